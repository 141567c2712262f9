#!/bin/sh
# Make a test CA and a server certificate signed by it.
#   mkcert.sh DIR NAME [SAN...]
# writes DIR/ca.pem, DIR/ca.key, DIR/NAME.pem (leaf then CA), DIR/NAME.key.
# SAN entries are DNS names or IP addresses (IP:127.0.0.1); the first name
# is the subject CN. Keys are EC P-256, which is quick to generate.
set -eu
dir=$1 name=$2
shift 2
mkdir -p "$dir"
umask 077

if [ ! -f "$dir/ca.pem" ]; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$dir/ca.key" -out "$dir/ca.pem" -days 30 \
	    -subj "/CN=kmta test CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

san=""
for entry in "$@"; do
	case $entry in
	IP:*) san="$san,$entry" ;;
	*) san="$san,DNS:$entry" ;;
	esac
done
san=${san#,}
cn=${1:-$name}
cn=${cn#IP:}

openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$dir/$name.key" -out "$dir/$name.csr" -subj "/CN=$cn" \
    2>/dev/null
printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n' \
    "$san" >"$dir/$name.ext"
openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
    -CAcreateserial -days 30 -extfile "$dir/$name.ext" \
    -out "$dir/$name.leaf.pem" 2>/dev/null
cat "$dir/$name.leaf.pem" "$dir/ca.pem" >"$dir/$name.pem"
rm -f "$dir/$name.csr" "$dir/$name.ext"
