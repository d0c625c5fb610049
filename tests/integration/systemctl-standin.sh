#!/bin/sh
# systemctl for test_packages.py's Debian root, which has no systemd: the
# README's commands call systemctl, and this runs what the unit says
# (ExecStart as its User, Environment and EnvironmentFile, UMask, output
# appended where StandardOutput says), so that the commands are run as
# written and their effect is the unit's.  No sandboxing, no timers that
# fire: "enable" makes the links systemd would, "list-timers" shows the
# calendar of an enabled timer.  Services of Type=notify or simple start
# in the background; a oneshot runs to its end, its exit status kept for
# "status".  nginx, which Debian's postinst would have started (the
# root's policy-rc.d forbids it), is started by "start" or "reload".
set -eu

state=/run/systemctl-standin
mkdir -p "$state"

unit_file() {
    case $1 in
    *.service|*.timer) u=$1 ;;
    *) u=$1.service ;;
    esac
    for d in /etc/systemd/system /usr/local/lib/systemd/system \
        /lib/systemd/system; do
        if [ -f "$d/$u" ]; then
            echo "$d/$u"
            return
        fi
    done
    echo "systemctl: Unit $u not found." >&2
    exit 5
}

key() {
    sed -n "s/^$1=//p" "$2"
}

alive() {
    [ -f "$state/$1.pid" ] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null
}

nginx_up() {
    [ -f /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null
}

run_unit() {
    f=$1
    user=$(key User "$f")
    out=$(key StandardOutput "$f" | sed -n 's/^append://p')
    envfile=$(key EnvironmentFile "$f" | sed 's/^-//')
    mask=$(key UMask "$f")
    umask "${mask:-0022}"
    for e in $(key Environment "$f"); do
        export "$e"
    done
    if [ -n "$envfile" ] && [ -r "$envfile" ]; then
        set -a
        . "$envfile"
        set +a
    fi
    # shellcheck disable=SC2046
    exec runuser -u "${user:-root}" -- $(key ExecStart "$f") \
        >> "${out:-/dev/null}" 2>&1
}

start() {
    name=${1%.service}
    if [ "$name" = nginx ]; then
        nginx_up || nginx
        return
    fi
    f=$(unit_file "$1")
    case $f in
    *.timer)
        touch "$state/$(basename "$f").active"
        return
        ;;
    esac
    case $(key Type "$f") in
    oneshot)
        rc=0
        (run_unit "$f") || rc=$?
        echo "$rc" > "$state/$name.status"
        if [ "$rc" -ne 0 ]; then
            echo "Job for $name.service failed (exit status $rc)." >&2
            exit 1
        fi
        ;;
    notify)
        # as systemd: start returns once the service said READY=1
        alive "$name" && return
        sock=$state/$name.notify
        rm -f "$sock" "$state/$name.pid"
        python3 -c "$notify_wait" "$sock" "$state/$name.pid" &
        waiter=$!
        while [ ! -S "$sock" ]; do
            sleep 0.05
        done
        (NOTIFY_SOCKET=$sock run_unit "$f") < /dev/null &
        echo $! > "$state/$name.pid"
        if ! wait "$waiter"; then
            echo "Job for $name.service failed: no READY=1." >&2
            exit 1
        fi
        ;;
    *)
        alive "$name" && return
        (run_unit "$f") < /dev/null &
        echo $! > "$state/$name.pid"
        ;;
    esac
}

# the notification socket of a Type=notify service: exits 0 on READY=1,
# 1 when the service ended or two minutes passed without it
notify_wait='
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.2)
end = time.time() + 120
while time.time() < end:
    try:
        if "READY=1" in s.recv(4096).decode().split("\n"):
            sys.exit(0)
    except socket.timeout:
        pass
    try:
        os.kill(int(open(sys.argv[2]).read()), 0)
    except ValueError:
        pass
    except OSError:
        if os.path.exists(sys.argv[2]):
            sys.exit(1)
sys.exit(1)
'

stop() {
    name=${1%.service}
    if alive "$name"; then
        pid=$(cat "$state/$name.pid")
        kill "$pid"
        while kill -0 "$pid" 2>/dev/null; do
            sleep 0.1
        done
    fi
    rm -f "$state/$name.pid"
}

enable() {
    f=$(unit_file "$1")
    for w in $(key WantedBy "$f"); do
        mkdir -p "/etc/systemd/system/$w.wants"
        ln -sf "$f" "/etc/systemd/system/$w.wants/$(basename "$f")"
    done
}

cmd=$1
shift
# a server with a System V script of its own (PostgreSQL, Redis) is
# started and reloaded by it, as systemd's generator would
case ${1:-} in
--now) name=${2:-} ;;
*) name=${1:-} ;;
esac
name=${name%.service}
if [ -n "$name" ] && [ "$name" != nginx ] && [ -x "/etc/init.d/$name" ]
then
    case $cmd in
    start|stop|restart|reload|status)
        exec "/etc/init.d/$name" "$cmd"
        ;;
    esac
fi
now=
if [ "${1:-}" = --now ]; then
    now=1
    shift
fi
case $cmd in
daemon-reload)
    ;;
start)
    for u in "$@"; do start "$u"; done
    ;;
stop)
    for u in "$@"; do stop "$u"; done
    ;;
restart)
    for u in "$@"; do stop "$u"; start "$u"; done
    ;;
reload)
    for u in "$@"; do
        name=${u%.service}
        if [ "$name" = nginx ]; then
            if nginx_up; then nginx -s reload; else nginx; fi
        elif alive "$name"; then
            kill -HUP "$(cat "$state/$name.pid")"
        else
            echo "$name.service is not active, cannot reload." >&2
            exit 1
        fi
    done
    ;;
enable)
    for u in "$@"; do
        enable "$u"
        [ -z "$now" ] || start "$u"
    done
    ;;
status)
    name=${1%.service}
    f=$(unit_file "$1")
    if alive "$name"; then
        echo "$name.service: active (running), pid $(cat "$state/$name.pid")"
    elif [ -f "$state/$name.status" ]; then
        rc=$(cat "$state/$name.status")
        echo "$name.service: $(key Description "$f")"
        echo "    Process: ExecStart=$(key ExecStart "$f")" \
            "(code=exited, status=$rc)"
        [ "$rc" -eq 0 ] || exit 3
    else
        echo "$name.service: inactive (dead)"
        exit 3
    fi
    ;;
list-timers)
    for u in "$@"; do
        f=$(unit_file "$u")
        t=$(basename "$f")
        if [ -e "/etc/systemd/system/timers.target.wants/$t" ] ||
            [ -e "$state/$t.active" ]; then
            unit=$(key Unit "$f")
            echo "$(key OnCalendar "$f")  $t  ${unit:-${t%.timer}.service}"
        fi
    done
    ;;
*)
    echo "systemctl (test stand-in): $cmd is not supported" >&2
    exit 1
    ;;
esac
