# Baton — container and local-development shortcuts. `make help` lists the targets.
#
# Containers (docker-compose.yml; settings in .env, made from the template .env.docker on the first
# `make up`, then yours to edit — bare docker-compose commands read the same .env):
#   make build | up | down | logs | ps
# Local development, each service on the host with reload, against PostgreSQL and Redis
# from docker-compose.dev.yml:
#   make dev-up
#   make start-orchestrator        (then, in other terminals)
#   make start-workflow-runner start-http-worker start-hitl-worker start-agent-runner start-fanout

COMPOSE     ?= docker-compose
STACK       := $(COMPOSE) -f docker-compose.yml
DEV_STACK   := $(COMPOSE) -p baton-dev -f docker-compose.dev.yml
TSX_WATCH   := node_modules/.bin/tsx watch --clear-screen=false

# The host side of docker-compose.dev.yml (override on the command line: make start-orchestrator DB_PORT=5433).
DB_HOST     ?= localhost
DB_PORT     ?= 5432
DB_USER     ?= orchestrator
DB_PASSWORD ?= orchestrator
DB_NAME     ?= orchestrator
REDIS_URL   ?= redis://localhost:6379
LOG_LEVEL   ?= info
DEV_ENV      = DB_HOST=$(DB_HOST) DB_PORT=$(DB_PORT) DB_USER=$(DB_USER) DB_PASSWORD=$(DB_PASSWORD) \
               DB_NAME=$(DB_NAME) REDIS_URL=$(REDIS_URL) LOG_LEVEL=$(LOG_LEVEL)

.PHONY: help build up down logs ps dist dev-up dev-down dev-logs test-deploy \
        start-orchestrator start-workflow-runner start-http-worker start-hitl-worker \
        start-agent-runner start-fanout

help: ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-24s %s\n", $$1, $$2}'

# --- containers -------------------------------------------------------------------------
# The guide's step 1 when it was skipped; never overwrites an existing .env (no prerequisite).
.env:
	cp .env.docker .env
	@echo "created .env from .env.docker: the settings of every service (edit it, then make up again)"

build: .env ## build the six service images (deploy/Dockerfile)
	$(STACK) build

up: .env ## (re)build the images and start the 8 services in the background
	$(STACK) up -d --build

down: .env ## stop and remove the containers (volumes are kept; `docker-compose down -v` drops them)
	$(STACK) down

logs: .env ## follow the logs of every service (make logs S=orchestrator for one)
	$(STACK) logs -f --tail=100 $(S)

ps: .env ## the containers and their health
	$(STACK) ps

dist: ## the bundles the images run (dist/<service>/main.mjs)
	npm run build

# --- local development ------------------------------------------------------------------
dev-up: ## PostgreSQL and Redis for local development (localhost:5432, localhost:6379)
	$(DEV_STACK) up -d --remove-orphans

dev-down: ## stop the development infrastructure
	$(DEV_STACK) down

dev-logs: ## follow the development infrastructure's logs
	$(DEV_STACK) logs -f --tail=100

start-orchestrator: ## REST API on :8081 with reload (applies migrations)
	$(DEV_ENV) ORCHESTRATOR_PORT=8081 $(TSX_WATCH) services/orchestrator/src/main.ts

start-workflow-runner: ## workflow-runner on :8082 with reload (start the orchestrator first)
	$(DEV_ENV) PORT=8082 $(TSX_WATCH) services/workflow-runner/src/main.ts

start-http-worker: ## http-worker on :8083 with reload
	$(DEV_ENV) PORT=8083 $(TSX_WATCH) services/http-worker/src/main.ts

start-hitl-worker: ## hitl-worker on :8084 with reload
	$(DEV_ENV) PORT=8084 $(TSX_WATCH) services/hitl-worker/src/main.ts

start-fanout: ## fanout (WebSocket/SSE) on :8085 with reload
	$(DEV_ENV) PORT=8085 $(TSX_WATCH) services/fanout/src/main.ts

start-agent-runner: ## agent-runner on :8086 with reload (needs OPENAI_API_KEY in the environment)
	$(DEV_ENV) PORT=8086 $(TSX_WATCH) services/agent-runner/src/main.ts

test-deploy: ## the deployment tests (compose files, images' commands end to end, Kubernetes manifests)
	node_modules/.bin/vitest run tests/deploy
