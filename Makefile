# Development entry points. `make run` needs nothing configured: without
# DATABASE_URL and REDIS_URL, marketd and marketctl run a private PostgreSQL
# cluster and an in-process Redis under MARKET_DATA_DIR (default ./var).

GO ?= go
BIN := bin

.PHONY: build run test lint clean

build:
	$(GO) build -o $(BIN)/marketd ./cmd/marketd
	$(GO) build -o $(BIN)/marketctl ./cmd/marketctl

# One shell line, ending in exec: marketd replaces the shell, so Ctrl-C and
# SIGTERM reach it directly and it can drain requests and stop the cluster.
run: build
	./$(BIN)/marketctl migrate up && ./$(BIN)/marketctl demo && exec ./$(BIN)/marketd

test:
	scripts/test-services.sh
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 30m ./...

# gofmt over every Go file outside var/ and node_modules (the storefront's).
lint:
	@files=$$(find . -name '*.go' -not -path './var/*' -not -path '*/node_modules/*' -not -path './.git/*'); \
	bad=$$(gofmt -l $$files); \
	if [ -n "$$bad" ]; then echo "gofmt needed on:"; echo "$$bad"; exit 1; fi

# Only build output: var/ holds the development database and the data key.
clean:
	rm -rf $(BIN)
