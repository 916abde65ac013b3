# One-time data of a bench run (sourced by bench/run.sh), through the same
# APIs a user calls: K accounts bench-0..K-1 (Lever, test mode) on status,
# each connected by delivery's OAuth flow to the simulator's load-lever-site
# (its test posting load-lever-posting), the board key on ingest, the
# questions cache warmed for every account, and one Lever access token per
# account for the direct baseline. Idle RSS of each service is sampled here.

admin='Authorization: Bearer dev-admin-token'

api() { # METHOD URL [JSON] -> body on stdout; fails on non-2xx
  local data=()
  [ $# -ge 3 ] && data=(-H 'Content-Type: application/json' --data-binary "$3")
  curl -fsS -X "$1" -H "$admin" "${data[@]}" "$2"
}

# connect_accounts PREFIX K FEATURES: accounts PREFIX0..K-1 (Lever, test
# mode, FEATURES a JSON array or "" for none) on the running status, each
# connected by the running delivery's OAuth flow to load-lever-site, its
# questions cache warmed by the running questions.
connect_accounts() {
  local st=http://127.0.0.1:${SVC_PORT[status]} dl=http://127.0.0.1:${SVC_PORT[delivery]}
  local qs=http://127.0.0.1:${SVC_PORT[questions]} k id link
  for ((k = 0; k < $2; k++)); do
    id=$1$k
    api PUT "$st/v1/accounts/$id" "{\"ats\":\"lever\",\"run_mode\":\"test\",\"company_name\":\"Bench $k\",\"privacy_policy_url\":\"https://bench.example/privacy\",\"grants\":{\"boards\":[\"stepstone_de\"]}${3:+,\"features\":$3}}" >/dev/null
    link=$(api POST "$dl/v1/accounts/$id/connections/lever" '{}' | sed -n 's/.*"activation_url": *"\([^"]*\)".*/\1/p' | sed 's#\\/#/#g')
    [ -n "$link" ] || die "bench: no activation link for $id"
    curl -fsS -L -o /dev/null "$link&sim_site=load-lever-site" || die "bench: the Lever activation of $id failed"
    api GET "$qs/v1/accounts/$id/postings/load-lever-posting/questions" >/dev/null \
      || die "bench: questions of $id not available"
  done
}

setup() {
  local p=setup. k s
  topics $p
  svc_start status status $p
  svc_start delivery delivery $p
  svc_start questions questions $p
  svc_start ingest ingest $p
  local in=http://127.0.0.1:${SVC_PORT[ingest]}
  sleep 2
  for s in status delivery questions ingest; do IDLE_KB[$s]=$(rss_kb "${SVC_PID[$s]}" VmRSS); done
  api PUT "$in/v1/admin/boards/stepstone_de/keys" '{"key":"dev-stepstone-key"}' >/dev/null
  : >"$work/tokens"
  connect_accounts bench- "$accounts" ""
  for ((k = 0; k < accounts; k++)); do
    printf '%s\n' "$(api POST "$sim/_sim/lever/tokens" '{"site":"load-lever-site"}' | sed -n 's/.*"access_token": *"\([^"]*\)".*/\1/p')" >>"$work/tokens"
  done
  svc_stop status delivery questions ingest
  echo "setup: $accounts accounts connected to load-lever-site, questions cache warm"
}
