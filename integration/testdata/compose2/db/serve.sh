#!/bin/sh
# Serves on port 8080 a page from the volume at /data, with the number of
# its starts (kept in the volume).
mkdir -p /data/www
echo boot >> /data/boots
echo "db says $GREETING $(wc -l < /data/boots)" > /data/www/index.html
echo db ready
exec httpd -f -p 8080 -h /data/www
