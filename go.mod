module github.com/berth/berth

go 1.26.8
