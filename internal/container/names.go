package container

import (
	"crypto/rand"
	"encoding/hex"
	"math/big"
	"strings"
)

// adjectives and surnames make Docker-style default names: adjective_surname.
// The lists are berth's own: adjectives of temper and weather, surnames of
// people who shaped computing, mathematics and the sciences.
var adjectives = strings.Fields(`
agile amber ardent astute balmy bold brave breezy bright brisk calm candid
careful cheerful clever cosmic crisp curious dapper daring deft eager earnest
elated electric elegant epic fearless fervent festive fluent focused frank
gallant gentle gifted glad golden graceful grand happy hardy hearty honest
hopeful humble jolly jovial keen kind lively loyal lucid lucky mellow merry
mighty modest nifty noble nimble patient peaceful placid plucky polite proud
quick quiet radiant rapid ready regal robust rosy rustic serene sharp shiny
silent sincere smart snappy solid spry stoic sturdy sunny supple swift tender
thrifty tidy tranquil trusty upbeat valiant vivid warm wise witty zealous zesty
`)

var surnames = strings.Fields(`
abel agnesi allen archimedes babbage backus banach bardeen bartik bell bernoulli
blackwell boole borg bose brahe cantor carson cauchy cerf chandra church clarke
codd conway curie darwin dijkstra dirac easley einstein engelbart erdos euclid
euler faraday fermat fermi feynman fibonacci franklin galileo galois gauss
goldberg goodall gosling hamilton hawking hertz hilbert hodgkin hollerith hopper
hypatia jackson jemison johnson joule kahan kay kepler kilby knuth kowalevski
lamarr lamport leakey leibniz lovelace liskov maxwell mccarthy meitner mendel
minsky mirzakhani moore morse napier newton nobel noether pascal pasteur pauling
perlman pike planck poincare ptolemy ramanujan riemann ritchie rosalind shannon
shockley stallman tesla thompson torvalds turing volta wiles wozniak wright yalow
`)

// GenerateName returns a random adjective_surname name; taken reports names
// already in use (without the leading "/"). After many collisions a random
// digit is appended, as Docker does.
func GenerateName(taken func(string) bool) string {
	for i := 0; ; i++ {
		name := adjectives[randInt(len(adjectives))] + "_" + surnames[randInt(len(surnames))]
		if i > 10 {
			name += string(rune('0' + randInt(10)))
		}
		if name == "boring_wozniak" { // Steve Wozniak is not boring (Docker's rule, kept)
			continue
		}
		if !taken(name) {
			return name
		}
	}
}

func randInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err)
	}
	return int(v.Int64())
}

// GenerateID returns a new random 64-hex ID whose 12-char short form is not
// all digits (so it never reads as a number, as Docker ensures).
func GenerateID() string {
	b := make([]byte, 32)
	for {
		if _, err := rand.Read(b); err != nil {
			panic(err)
		}
		id := hex.EncodeToString(b)
		if strings.Trim(id[:12], "0123456789") != "" {
			return id
		}
	}
}

// IsID reports whether s has the form of a full container ID: 64
// lower-case hex digits.
func IsID(s string) bool {
	return len(s) == 64 && strings.Trim(s, "0123456789abcdef") == ""
}

// ValidName reports whether name (without leading "/") matches Docker's
// [a-zA-Z0-9][a-zA-Z0-9_.-]+.
func ValidName(name string) bool {
	if len(name) < 2 {
		return false
	}
	for i, r := range name {
		alnum := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if i == 0 && !alnum {
			return false
		}
		if !alnum && r != '_' && r != '.' && r != '-' {
			return false
		}
	}
	return true
}
