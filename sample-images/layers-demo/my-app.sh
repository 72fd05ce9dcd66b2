#!/bin/sh
# The layers-demo app: says which configuration it sees, then prints the time every 2 seconds.
# Stop it with Ctrl-C.
echo "my-app: $(cat /app/config/message 2>/dev/null || echo 'no configuration found')"
while true; do
    echo "my-app: the time is $(date +%H:%M:%S)"
    sleep 2
done
