"""`compose watch` and `up --watch`: develop.watch rules kept in step with running containers.

    patterns.py      gitignore/.dockerignore pattern syntax → regex (pure)
    rules.py         which host paths a rule covers (ignore files, editor files, include) and
                     where each lands in the container (pure but for reading ignore files)
    debounce.py      bursts → one batch per service per quiet period; busy services wait (pure)
    sync.py          atomic copy / delete of changed paths into a container, through the
                     driver's container_files (container path → host path, owner uid:gid)
    actions.py       a batch for one service: sync, exec, restart, rebuild → WatchEvents
    prepare.py       project + chosen services → ServiceWatch list; bad input as WatchError
    session.py       inotify (watchdog's InotifyObserver) → rules → debouncer → actions
"""
