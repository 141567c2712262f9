# bash completion for kmta-send(1)

_kmta_send()
{
	local cur prev words cword
	_init_completion || return

	case $prev in
	-c | --config)
		_filedir conf
		return
		;;
	-m | --message)
		_filedir
		return
		;;
	-f | --from)
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '-4 -6 -c -f -m -v -h --batch --config
		    --from --message --verbose --syslog --help' -- "$cur"))
	fi
}
complete -F _kmta_send kmta-send
