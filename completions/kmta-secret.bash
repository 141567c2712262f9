# bash completion for kmta-secret(1)

_kmta_secret_sources()
{
	local cur=$1
	case $cur in
	file:*)
		COMPREPLY=($(compgen -P file: -f -- "${cur#file:}"))
		;;
	env:*)
		COMPREPLY=($(compgen -P env: -e -- "${cur#env:}"))
		;;
	/*)
		COMPREPLY=($(compgen -f -- "$cur"))
		;;
	*)
		COMPREPLY=($(compgen -W 'file: env: vault:' -- "$cur"))
		compopt -o nospace 2>/dev/null
		;;
	esac
}

_kmta_secret()
{
	local cur prev cmd i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-c|--config) ((i++)) ;;
		--) break ;;
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done

	case $prev in
	-c|--config|--from-file)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--version)
		return
		;;
	-e|--env|--fd)
		return
		;;
	esac

	case $cmd in
	'')
		COMPREPLY=($(compgen -W '-c --config -h --help get put check exec' \
		    -- "$cur"))
		;;
	get)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '-n --json --version -h --help' -- "$cur"))
		else
			_kmta_secret_sources "$cur"
		fi
		;;
	put)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '--from-file -h --help' -- "$cur"))
		else
			_kmta_secret_sources "$cur"
		fi
		;;
	check)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '--version -h --help' -- "$cur"))
		else
			_kmta_secret_sources "$cur"
		fi
		;;
	exec)
		for ((i = 1; i < COMP_CWORD; i++)); do
			if [[ ${COMP_WORDS[i]} == -- ]]; then
				COMPREPLY=($(compgen -c -- "$cur"))
				return
			fi
		done
		COMPREPLY=($(compgen -W '-e --env --fd -- -h --help' -- "$cur"))
		;;
	esac
}
complete -F _kmta_secret kmta-secret
