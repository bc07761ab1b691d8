#!/bin/sh
# Serves on port 80 a page with what it fetched from db by service name.
mkdir -p /www/cgi-bin
cat > /www/cgi-bin/index <<'CGI'
#!/bin/sh
echo "Content-Type: text/plain"
echo
echo "web $(hostname)"
echo "from db: $(wget -qO- http://db:8080/ 2>&1)"
CGI
chmod +x /www/cgi-bin/index
echo "web up"
exec httpd -f -p 80 -h /www
