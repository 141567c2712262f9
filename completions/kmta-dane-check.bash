# bash completion for kmta-dane-check(1)

_kmta_dane_check()
{
	local cur prev words cword
	_init_completion || return

	case $prev in
	-c | --config)
		_filedir conf
		return
		;;
	--trust-anchor | --ca-file)
		_filedir
		return
		;;
	--cache-dir)
		_filedir -d
		return
		;;
	tlsa)
		_filedir '@(pem|crt)'
		return
		;;
	cache)
		COMPREPLY=($(compgen -W 'list purge' -- "$cur"))
		return
		;;
	--host | -p | --port | -r | --resolver | -t | --timeout | --helo)
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W '-4 -6 -c -h -p -r -t --cache-dir
		    --ca-file --config --dns-only --help --helo --host --json
		    --no-mta-sts --port --resolver --timeout --trust-anchor' \
		    -- "$cur"))
	else
		COMPREPLY=($(compgen -W 'tlsa cache' -- "$cur"))
	fi
}
complete -F _kmta_dane_check kmta-dane-check
