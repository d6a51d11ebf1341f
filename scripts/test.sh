#!/usr/bin/env bash
# Runs every test project (unit, end-to-end through the real Kafka client and the mock cluster) and
# ends with one line "N passed, N failed". Exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --postgres || exit 1

results="$(pwd)/TestResults"
rm -rf "$results"
dotnet build Personalization.sln -c Release -nologo -v quiet || { echo "0 passed, 1 failed"; exit 1; }
status=0
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  dotnet test "$project" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" --results-directory "$results" || status=1
done

passed=0; failed=0; found=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  found=1
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
[ $found -eq 1 ] || { status=1; failed=$((failed + 1)); }
if [ $failed -gt 0 ]; then
  # The failures again, last, where a reader of only the log's tail sees them.
  echo "Failed tests:"
  for trx in "$results"/*.trx; do
    [ -e "$trx" ] || continue
    if command -v python3 >/dev/null; then
      python3 - "$trx" <<'PY'
import sys, xml.etree.ElementTree as et
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for result in et.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult", ns):
    if result.get("outcome") != "Failed":
        continue
    message = result.find("t:Output/t:ErrorInfo/t:Message", ns)
    print(f"  {result.get('testName')}: {(message.text or '').strip()[:600] if message is not None else ''}")
PY
    else
      grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*>' "$trx" | sed -n 's/.*testName="\([^"]*\)".*/  \1/p'
    fi
  done
fi
[ $failed -eq 0 ] || status=1
echo "$passed passed, $failed failed"
exit $status
