#!/bin/sh
# Serves on port 80 a page with what it fetched from db by name and by alias.
mkdir -p /www/cgi-bin
cat > /www/cgi-bin/index <<'CGI'
#!/bin/sh
echo "Content-Type: text/plain"
echo
echo "web $(hostname)"
echo "by name: $(wget -qO- http://db:8080/ 2>&1)"
echo "by alias: $(wget -qO- http://database:8080/ 2>&1)"
CGI
chmod +x /www/cgi-bin/index
echo "web up"
exec httpd -f -p 80 -h /www
