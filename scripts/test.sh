#!/usr/bin/env bash
# Runs adgen's test suite and format check, installing what they need on a fresh Debian machine with Swift.
# The same command is the README's test command and what .ci/run runs.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v swift >/dev/null; then
    echo "error: Swift 6.1 or later is needed (https://www.swift.org/install)" >&2
    exit 69
fi

bash scripts/install-deps.sh
# The tests check webhook signatures with the reference Python library and manifests against their JSON Schemas, the
# server against its OpenAPI document with schemathesis, and its live gallery page in Chromium through selenium.
if ! python3 -c 'import standardwebhooks, jsonschema, selenium' 2>/dev/null || ! command -v schemathesis >/dev/null; then
    echo "installing standardwebhooks, jsonschema, schemathesis and selenium (pip)"
    python3 -m pip install -q --disable-pip-version-check standardwebhooks jsonschema schemathesis selenium
    hash -r
fi
# The gallery tests open an export's index.html from disk in a headless Chromium, as a marketer double-clicks it.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "error: the gallery tests need Chromium; install it (apt-get install chromium chromium-driver) or run as root" >&2
        exit 69
    fi
    echo "installing chromium and chromium-driver (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
swift build --build-tests
# Five runs, so that CPU-heavy tests in parallel cannot starve the timeouts of others on 2 cores: the tests that time
# network peers (provider fakes, webhook receivers) on their own; then those that run child processes and batches
# (the dispatcher, the batch commands, the service); then the server's (live servers with workers, `adgen serve`
# processes, schemathesis, a browser); then an example batch run end to end; the rest (imaging, planning, the store)
# first, in parallel.
network='(OpenAI|Replicate|Fal|ComfyUI|Automatic1111|HTTPEndpoint)ProviderTests|Webhook[A-Za-z]*Tests'
processes='DispatcherTests|BatchCommandTests|DeliveryCommandTests|ProgressTests|BatchServiceTests|InvalidCampaignTests'
served='Server(Route|Batch|Events|Upload)Tests|Serve(Command|Conformance)Tests'
examples='ExampleBatchTests'
swift test --skip-build --skip "$network|$processes|$served|$examples"
swift test --skip-build --filter "$network"
swift test --skip-build --filter "$processes"
swift test --skip-build --filter "$served"
swift test --skip-build --filter "$examples"

lint_dirs=(Sources Tests)
if compgen -G "Benchmarks/Sources/*/*.swift" >/dev/null; then lint_dirs+=(Benchmarks/Sources); fi
swift format lint --strict --recursive "${lint_dirs[@]}"
echo "format: clean (${lint_dirs[*]})"
