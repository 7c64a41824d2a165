#!/bin/bash
# cli/tests/docs.sh — the configuration keys have one source, the CLI's
# table (config.c, printed by `snapfire config --help`): the man page
# documents exactly those keys, and bash completion offers exactly those
# keys and their choices (read from the binary when completing). The
# module's parameters have theirs, kmod/*.c: the man page documents them.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.." || exit 2
n=0 f=0 s=0
check() { # NAME WANT GOT
	n=$((n + 1))
	if [[ $2 == "$3" ]]; then
		echo "ok $n - $1"
	else
		f=$((f + 1))
		echo "not ok $n - $1"
		diff <(tr ' ' '\n' <<<"$2") <(tr ' ' '\n' <<<"$3") | sed 's/^/# /'
	fi
}

table=$(./snapfire config --help | awk '/^Keys:/ { k = 1; next } k && /^  / { print $1 }' | xargs)
[[ $(wc -w <<<"$table") -ge 10 ]] || { echo "not ok 1 - config --help lists the keys"; echo "0 passed, 1 failed"; exit 1; }

# the man page: each key a .TP/.BR entry under ".SS config"
man=$(awk '/^\.SS config/ { c = 1; next } /^\.SS/ { c = 0 } c && tp && /^\.BR / { print $2 } { tp = /^\.TP/ }' snapfire.8 |
	sed 's/\\-/-/g' | xargs)
check "snapfire.8 documents every key of config --help, in its order, and no other" "$table" "$man"

# the module's parameters (module_param in kmod/*.c): each a .TP/.BR
# entry under ".SH MODULE PARAMETERS", in any order
kparams=$(sed -nE 's/^module_param(_named|_cb)?\(([a-z_0-9]+),.*/\2/p' ../kmod/*.c | sort | xargs)
[[ $(wc -w <<<"$kparams") -ge 3 ]] || kparams="(module_param not found in ../kmod/*.c)"
mparams=$(awk '/^\.SH MODULE PARAMETERS/ { c = 1; next } /^\.SH/ { c = 0 } c && tp && /^\.BR / { print $2 } { tp = /^\.TP/ }' snapfire.8 |
	sort | xargs)
check "snapfire.8 documents every module parameter, and no other" "$kparams" "$mparams"

# bash completion, with bash-completion's _init_completion stubbed
complete_words() { # WORDS... (the last one is being completed)
	(
		_init_completion() {
			words=("${COMP_WORDS[@]}") cword=$COMP_CWORD
			cur=${words[cword]} prev=${words[cword - 1]}
		}
		complete() { :; }
		# shellcheck source=/dev/null
		. ./snapfire.bash-completion
		COMP_WORDS=("$@") COMP_CWORD=$(($# - 1))
		COMP_WORDS[0]=$PWD/snapfire
		_snapfire
		echo "${COMPREPLY[*]}"
	)
}
check "completion: config KEY offers every key" "$table" "$(complete_words snapfire config '')"
check "completion: after one pair, keys again" "$table" "$(complete_words snapfire config window 10 '')"
check "completion: -n NS config KEY" "$table" "$(complete_words snapfire -n ns1 config '')"
check "completion: a prefix" "rate rate-prefix6 rate-prefix4 rate-total" "$(complete_words snapfire config ra)"
check "completion: stamp-tx on|off" "on off" "$(complete_words snapfire config stamp-tx '')"
check "completion: mode's choices" "stateless stateful" "$(complete_words snapfire config mode '')"
check "completion: allow none" "none" "$(complete_words snapfire config allow '')"
check "completion: a number: nothing offered" "" "$(complete_words snapfire config window '')"
# names in a directory the completion lists (the history store's targets,
# the agent user's) are words, never code: compgen -W expands $(...) and
# backquotes, and an injected command's output would be offered
cd_tmp=$(mktemp -d /tmp/sf-compl.XXXXXX)
mkdir "$cd_tmp/tokyo-1" "$cd_tmp/\$(echo\${IFS}INJECTED)" "$cd_tmp/\`echo\${IFS}INJ2\`"
check "completion: history -d DIR TARGET offers the store's targets, runs no name" \
	"tokyo-1" "$(complete_words snapfire history -d "$cd_tmp" '')"
rm -rf "$cd_tmp"

# help and version text that cannot be written is an error, as any other
# output is (main.c flushed()): exit 1 and one message, never a silent 0
if [[ -c /dev/full ]]; then
	for args in --help --version help "help flows" "config --help"; do
		# shellcheck disable=SC2086 # the words of $args
		got=$(./snapfire $args 2>&1 >/dev/full; echo "exit $?")
		check "snapfire $args >/dev/full: the write error said once, exit 1" \
			"snapfire: write error: No space left on device exit 1" "$(tr -s '\n' ' ' <<<"$got" | sed 's/ $//')"
	done
else
	s=$((s + 1))
	echo "ok $((n += 1)) - # SKIP the 5 write-error checks: no /dev/full"
fi
echo "$((n - f - s)) passed, $f failed, $s skipped"
((f == 0))
