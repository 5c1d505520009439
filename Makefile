# The two commands: `make run` (set up, build, start the relay and print the URL) and
# `make test` (set up and run every test). Both install what is missing and are quick when all is present.
.PHONY: run test bench

run:
	@scripts/run.sh $(ARGS)

test:
	@scripts/test.sh

bench:
	@scripts/setup.sh --test && scripts/build.sh && cd e2e && npm run bench:propagation && npm run bench:embeddings && npm run bench:cloud-overhead
	@. scripts/env.sh && for scenario in steady crash partition; do \
		cargo run --profile relay -p amorph-core --example mesh-sim -- --peers 10000 --active 7 --scenario $$scenario; \
	done
