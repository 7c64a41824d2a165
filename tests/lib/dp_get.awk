# tests/lib/dp_get.awk — dp_get's query over a flattened JSON file
# (dp_json.py --flat: "PATH<TAB>VALUE" lines after a "#sig" line).
#
# The arguments come in ENVIRON["DPG_ARGS"], separated by \034, with the
# JSON file's name in ENVIRON["DPG_FILE"]; they and the output are
# dp_json.py's (see its docstring): [--flow K=V ...] [--last] [--count]
# [PATH ...]. awk starts in milliseconds where python takes seconds in a
# loaded debug-kernel VM, and the tests read hundreds of values.
# Exit 3: a query this does not answer (the whole document): ask python.

function die(msg) {
	printf "dp_json: %s\n", msg > "/dev/stderr"
	failed = 1
	exit 1
}

# the string as dp_json.py prints it (--flat escapes \ and newline)
function unesc(s,    out, i, c, d) {
	if (index(s, "\\") == 0)
		return s
	out = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\\" && i < length(s)) {
			d = substr(s, i + 1, 1)
			if (d == "n") { out = out "\n"; i++; continue }
			if (d == "\\") { out = out "\\"; i++; continue }
		}
		out = out c
	}
	return out
}

# the key of PATH under BASE ("#" and "X.#" are lengths, stored as such)
function key(base, p,    n, parts, i, k) {
	n = split(p, parts, ".")
	k = base
	for (i = 1; i <= n; i++) {
		k = (k == "" ? "" : k ".") parts[i]
		if (parts[i] == "#")
			break
	}
	return k
}

BEGIN { FS = "\t" }
NR == 1 && /^#sig / { next }
{ V[$1] = substr($0, length($1) + 2) }

END {
	if (failed)
		exit 1
	file = ENVIRON["DPG_FILE"]
	na = split(ENVIRON["DPG_ARGS"], A, "\034")
	nsel = 0; np = 0; last = 0; count = 0
	for (i = 1; i <= na; i++) {
		if (A[i] == "--flow") {
			while (i < na && index(A[i + 1], "=") > 0 && substr(A[i + 1], 1, 2) != "--") {
				i++
				eq = index(A[i], "=")
				SK[nsel] = substr(A[i], 1, eq - 1)
				SV[nsel] = substr(A[i], eq + 1)
				nsel++
			}
		} else if (A[i] == "--last") {
			last = 1
		} else if (A[i] == "--count") {
			count = 1
		} else if (A[i] != "") {
			P[np++] = A[i]
		}
	}

	base = ""
	if (nsel || count) {
		if (!("flows.#" in V))
			die("no 'flows' list in " file)
		nf = V["flows.#"] + 0
		m = 0
		for (i = 0; i < nf; i++) {
			good = 1
			for (j = 0; j < nsel; j++) {
				k = "flows." i "." SK[j]
				if (((k in V) ? V[k] : "None") != SV[j]) {
					good = 0
					break
				}
			}
			if (good)
				M[m++] = i
		}
		if (count) {
			print m
			exit 0
		}
		want = ""
		for (j = 0; j < nsel; j++)
			want = want " " SK[j] "=" SV[j]
		if (m == 0)
			die("no flow matches" want)
		if (m > 1 && !last)
			die(m " flows match" want)
		best = M[0]
		for (i = 1; i < m; i++)
			if (V["flows." M[i] ".id"] + 0 > V["flows." best ".id"] + 0)
				best = M[i]
		base = "flows." best
	}

	if (np == 0) {
		if (base == "")
			exit 3
		print V[base]
		exit 0
	}
	bad = 0
	for (i = 0; i < np; i++) {
		k = key(base, P[i])
		if (k in V) {
			print unesc(V[k])
		} else if (np == 1) {
			die(P[i] ": not in " file)
		} else {
			printf "dp_json: %s: not in %s\n", P[i], file > "/dev/stderr"
			print ""
			bad = 1
		}
	}
	exit bad
}
