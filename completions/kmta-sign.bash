# bash completion for kmta-sign(1)

_kmta_sign()
{
	local cur prev
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	if [[ ${COMP_WORDS[1]} == genkey && $COMP_CWORD -gt 1 ]]; then
		case $prev in
		-a|--algorithm)
			COMPREPLY=($(compgen -W 'ed25519 rsa' -- "$cur"))
			;;
		-c|--config|-o|--output)
			COMPREPLY=($(compgen -f -- "$cur"))
			;;
		-b|--bits|-d|--domain|-s|--selector)
			;;
		*)
			COMPREPLY=($(compgen -W '-a --algorithm -b --bits -d
			    --domain -s --selector -o --output -c --config -h
			    --help' -- "$cur"))
			;;
		esac
		return
	fi

	if [[ ${COMP_WORDS[1]} == testkey && $COMP_CWORD -gt 1 ]]; then
		case $prev in
		-a|--algorithm)
			COMPREPLY=($(compgen -W 'rsa-sha256 ed25519-sha256' \
			    -- "$cur"))
			;;
		-c|--config|-K|--keys|-k|--key)
			COMPREPLY=($(compgen -f -- "$cur"))
			;;
		-d|--domain|-s|--selector)
			;;
		*)
			COMPREPLY=($(compgen -W '-d --domain -s --selector -k
			    --key -a --algorithm -K --keys -c --config -h --help' \
			    -- "$cur"))
			;;
		esac
		return
	fi

	if [[ ${COMP_WORDS[1]} == verify && $COMP_CWORD -gt 1 ]]; then
		case $prev in
		-K|--keys|-c|--config)
			COMPREPLY=($(compgen -f -- "$cur"))
			;;
		--now)
			;;
		*)
			COMPREPLY=($(compgen -W '-K --keys -c --config --now -h
			    --help' -- "$cur"))
			;;
		esac
		return
	fi

	case $prev in
	-c|--config)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	-a|--algorithm)
		COMPREPLY=($(compgen -W 'rsa-sha256 ed25519-sha256' -- "$cur"))
		return
		;;
	-C|--canonicalization)
		COMPREPLY=($(compgen -W 'relaxed/relaxed relaxed/simple
		    simple/relaxed simple/simple' -- "$cur"))
		return
		;;
	-k|--key)
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
		return
		;;
	--policy)
		COMPREPLY=($(compgen -W 'Always SignAlways IfKeyPublished
		    RequireKeyPublished' -- "$cur"))
		return
		;;
	-d|--domain|-s|--selector|-i|--identity|--timestamp|--expire|--headers|--jobs)
		return
		;;
	esac

	COMPREPLY=($(compgen -W '-d --domain -s --selector -a --algorithm
	    -k --key -c --config -C --canonicalization -i --identity
	    --timestamp --expire --headers --oversign --body-length
	    --require-signature --batch --jobs --policy -h --help
	    --version' -- "$cur"))
	if [[ $cur != -* ]] && [[ " ${COMP_WORDS[*]} " == *" --batch "* ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		return
	fi
	if [[ $COMP_CWORD -eq 1 && $cur != -* ]]; then
		COMPREPLY=($(compgen -W 'verify genkey testkey' -- "$cur"))
	fi
}
complete -F _kmta_sign kmta-sign
