#!/usr/bin/env bash
# Benchmark: networks and published ports at scale. With one berth daemon:
#   - N user networks with explicit --subnet (/24s of 10.200.0.0/15),
#     created then removed, twice;
#   - N user networks from daemon.json's default-address-pools (/24s of
#     10.208.0.0/14), created then removed;
#   - N running containers on a user network, each publishing a port,
#     every port answering, then removed.
# Any failure ends the script with a non-zero status. Prints, for each round
# of creates, the first and the Nth create's time and the medians of the
# first and last ten, whose ratio must stay under 2 (the nftables changes
# are incremental: a network adds a fixed number of rules); and the rules
# left in berth's table after each removal (back to the start).
#
#   scripts/bench-netscale.sh [N]     (default 300; run as root)
N=${1:-300}
BERTH_JSON='{"default-address-pools": [{"base": "10.208.0.0/14", "size": 24}]}'
. "$(dirname "$0")/bench-lib.sh" netscale
busybox_tar
start_berth
"$BERTH" import -c 'CMD ["sh"]' "$W/busybox.tar" busybox:latest >/dev/null

rules() { nft -a list table ip "$TAG" | grep -c '# handle' || true; }
base_rules=$(rules)
fail=0

# create_round MODE: creates N networks, prints the figures.
create_round() {
	local times=() s t i
	for i in $(seq 0 $((N - 1))); do
		s=$(now)
		if [ "$1" = explicit ]; then
			"$BERTH" network create --subnet "10.$((200 + i / 256)).$((i % 256)).0/24" "$TAG-n$i" >/dev/null || { echo "create $i failed"; fail=1; }
		else
			"$BERTH" network create "$TAG-n$i" >/dev/null || { echo "create $i failed"; fail=1; }
		fi
		t=$(now)
		times+=($(((t - s) / 1000)))
	done
	local first10 last10 k=$((N < 10 ? N : 10))
	first10=$(printf '%s\n' "${times[@]:0:k}" | summarise | cut -d' ' -f1)
	last10=$(printf '%s\n' "${times[@]:N-k}" | summarise | cut -d' ' -f1)
	printf '%-9s create: 1st %.1f ms, %dth %.1f ms; median of first 10 %s ms, last 10 %s ms, ratio %s (%d rules)\n' "$1" \
		"$(echo "${times[0]} / 1000" | bc -l)" "$N" "$(echo "${times[-1]} / 1000" | bc -l)" "$first10" "$last10" \
		"$(echo "scale=2; $last10 / $first10" | bc -l)" "$(rules)"
	# The same, in the lines scripts/benchtable reads.
	round=$((round + 1))
	printf '%-22s %10s %10s %6s\n' "create-$1-$round/berth" $(printf '%s\n' "${times[@]}" | summarise) "$N"
	printf 'ratio last/first ten creates %s-%d = %.2f\n' "$1" "$round" "$(echo "$last10 / $first10" | bc -l)"
}
round=0

remove_round() {
	local s t
	s=$(now)
	for i in $(seq 0 $((N - 1))); do "$BERTH" network rm "$TAG-n$i" >/dev/null || { echo "rm $i failed"; fail=1; }; done
	t=$(now)
	printf '%-9s remove: %d networks in %.1f s; rules left %d (at start %d)\n' "$1" "$N" "$(echo "($t - $s) / 1000000000" | bc -l)" "$(rules)" "$base_rules"
	[ "$(rules)" = "$base_rules" ] || fail=1
}

for mode in explicit explicit pool; do
	create_round $mode
	remove_round $mode
done

# A /16 of their own: the default bridge took a /24 of the pools.
"$BERTH" network create --subnet 10.199.0.0/16 "$TAG-big" >/dev/null
s=$(now)
for i in $(seq 0 $((N - 1))); do
	"$BERTH" run -d --name "$TAG-c$i" --network "$TAG-big" -p "$((31000 + i)):80" busybox httpd -f -p 80 -h / >/dev/null || { echo "run $i failed"; fail=1; }
done
t=$(now)
answered=0
for i in $(seq 0 $((N - 1))); do
	code=$(curl -s -m 3 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((31000 + i))/" || true)
	[ "$code" != 000 ] && answered=$((answered + 1))
done
printf 'containers: %d started with a published port each in %.1f s; %d ports answer; %d rules\n' "$N" \
	"$(echo "($t - $s) / 1000000000" | bc -l)" "$answered" "$(rules)"
[ "$answered" = "$N" ] || fail=1
"$BERTH" rm -f $(seq -f "$TAG-c%g" 0 $((N - 1))) >/dev/null || fail=1
"$BERTH" network rm "$TAG-big" >/dev/null || fail=1
printf 'containers removed; rules left %d (at start %d)\n' "$(rules)" "$base_rules"
[ "$(rules)" = "$base_rules" ] || fail=1
exit $fail
