# Joins the dots of Deno's dot reporter (one per line when the output is not
# a terminal) into lines of 100; every other line passes through unchanged.
{ s = $0; gsub(/\x1b\[[0-9;]*m/, "", s) }
s == "." { printf "."; if (++n % 100 == 0) printf "\n"; next }
{ if (n % 100) printf "\n"; n = 0; print }
END { if (n % 100) printf "\n" }
