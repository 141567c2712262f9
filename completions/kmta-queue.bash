# bash completion for kmta-queue(1)

_kmta_queue_ids()
{
	kmta-queue "${global[@]}" list 2>/dev/null |
	    awk '/^[0-9A-F]+[! ] / { sub(/!$/, "", $1); print $1 }'
}

_kmta_queue()
{
	local cur prev words cword
	_init_completion || return

	local commands="add list show delete hold release bounce stats run flush"
	local i command= global=()
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-c | -q)
			global+=("${words[i]}" "${words[i + 1]}")
			((i++))
			;;
		-*) ;;
		*)
			command=${words[i]}
			break
			;;
		esac
	done

	case $prev in
	-c)
		_filedir conf
		return
		;;
	-q)
		_filedir -d
		return
		;;
	-f | --loop | -j)
		return
		;;
	esac

	case $command in
	'')
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '-c -q --syslog --help' -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$commands" -- "$cur"))
		fi
		;;
	add)
		COMPREPLY=($(compgen -W '-f -t' -- "$cur"))
		;;
	list)
		COMPREPLY=($(compgen -W '--json' -- "$cur"))
		;;
	show | delete | hold | release | bounce)
		COMPREPLY=($(compgen -W "$(_kmta_queue_ids)" -- "$cur"))
		;;
	run)
		COMPREPLY=($(compgen -W '--loop -j' -- "$cur"))
		;;
	flush)
		COMPREPLY=($(compgen -W '-j' -- "$cur"))
		;;
	esac
}
complete -F _kmta_queue kmta-queue
