#!/usr/bin/env bash
# scripts/deploy/ecs.sh — arca-api on AWS ECS (Fargate), as the deploy workflows drive it.
#
#   scripts/deploy/ecs.sh register IMAGE        render deploy/ecs/task-definition.json for IMAGE,
#                                               register it, print the new task definition ARN
#   scripts/deploy/ecs.sh current               print the task definition ARN the service runs now
#   scripts/deploy/ecs.sh migrate ARN [ARGS…]   run `arca-api migrate ARGS` (default: up) as a
#                                               one-off task of ARN; exit with its exit code
#   scripts/deploy/ecs.sh deploy ARN            point the service at ARN and wait until it is stable
#                                               (also the rollback: deploy the previous ARN)
#
# Environment: AWS credentials and AWS_REGION; ECS_CLUSTER, ECS_SERVICE; for `migrate`
# ECS_SUBNETS and ECS_SECURITY_GROUPS (comma-separated ids); for `register` the template's
# variables: ECS_FAMILY, ECS_CPU, ECS_MEMORY, ECS_EXECUTION_ROLE_ARN, ECS_TASK_ROLE_ARN,
# APP_ENV, API_URL, ARCA_ENVIRONMENT, SECRETS_ARN_PREFIX, LOG_GROUP.
# Needs the aws CLI (v2), envsubst (gettext-base) and jq.
set -euo pipefail
cd "$(dirname "$0")/../.."

template=deploy/ecs/task-definition.json
# Only these are substituted, so nothing else in the template that looks like $X is touched.
# shellcheck disable=SC2016 # envsubst's list of names, not an expansion
template_vars='${ECS_FAMILY} ${ECS_CPU} ${ECS_MEMORY} ${ECS_EXECUTION_ROLE_ARN} ${ECS_TASK_ROLE_ARN} ${IMAGE} ${APP_ENV} ${API_URL} ${ARCA_ENVIRONMENT} ${SECRETS_ARN_PREFIX} ${LOG_GROUP} ${AWS_REGION}'

die() { echo "ecs.sh: $*" >&2; exit 1; }
need() { for name in "$@"; do [ -n "${!name:-}" ] || die "$name is not set"; done; }

register() {
  [ $# -eq 1 ] || die "usage: register IMAGE"
  export IMAGE=$1
  export ECS_CPU=${ECS_CPU:-512} ECS_MEMORY=${ECS_MEMORY:-1024}
  need ECS_FAMILY ECS_EXECUTION_ROLE_ARN ECS_TASK_ROLE_ARN APP_ENV API_URL ARCA_ENVIRONMENT \
    SECRETS_ARN_PREFIX LOG_GROUP AWS_REGION
  rendered=$(mktemp)
  envsubst "$template_vars" < "$template" > "$rendered"
  jq empty "$rendered" || die "the rendered task definition is not valid JSON"
  aws ecs register-task-definition --cli-input-json "file://$rendered" \
    --query 'taskDefinition.taskDefinitionArn' --output text
  rm -f "$rendered"
}

current() {
  need ECS_CLUSTER ECS_SERVICE
  aws ecs describe-services --cluster "$ECS_CLUSTER" --services "$ECS_SERVICE" \
    --query 'services[0].taskDefinition' --output text
}

migrate() {
  [ $# -ge 1 ] || die "usage: migrate TASK_DEFINITION_ARN [up|down N|status]"
  local arn=$1
  shift
  [ $# -gt 0 ] || set -- up
  need ECS_CLUSTER ECS_SUBNETS ECS_SECURITY_GROUPS
  local command overrides network task exit_code
  command=$(jq -cn --args '["arca-api", "migrate"] + $ARGS.positional' "$@")
  overrides=$(jq -cn --argjson command "$command" \
    '{containerOverrides: [{name: "arca-api", command: $command}]}')
  network="awsvpcConfiguration={subnets=[$ECS_SUBNETS],securityGroups=[$ECS_SECURITY_GROUPS],assignPublicIp=DISABLED}"
  task=$(aws ecs run-task --cluster "$ECS_CLUSTER" --launch-type FARGATE \
    --task-definition "$arn" --network-configuration "$network" \
    --overrides "$overrides" --started-by "migrate-${GITHUB_RUN_ID:-manual}" \
    --query 'tasks[0].taskArn' --output text)
  if [ -z "$task" ] || [ "$task" = "None" ]; then die "run-task started no task"; fi
  echo "migration task $task: arca-api migrate $*" >&2
  aws ecs wait tasks-stopped --cluster "$ECS_CLUSTER" --tasks "$task"
  # shellcheck disable=SC2016 # a JMESPath literal, not an expansion
  exit_code=$(aws ecs describe-tasks --cluster "$ECS_CLUSTER" --tasks "$task" \
    --query 'tasks[0].containers[?name==`arca-api`].exitCode | [0]' --output text)
  echo "migration task exit code: $exit_code (logs: group ${LOG_GROUP:-?}, prefix arca-api)" >&2
  [ "$exit_code" = "0" ]
}

deploy() {
  [ $# -eq 1 ] || die "usage: deploy TASK_DEFINITION_ARN"
  need ECS_CLUSTER ECS_SERVICE
  aws ecs update-service --cluster "$ECS_CLUSTER" --service "$ECS_SERVICE" \
    --task-definition "$1" --query 'service.taskDefinition' --output text
  # Stable: the new tasks pass their health check and the old ones are drained.
  aws ecs wait services-stable --cluster "$ECS_CLUSTER" --services "$ECS_SERVICE"
  [ "$(current)" = "$1" ] || die "the service runs $(current), not $1 (its deployment circuit breaker rolled back?)"
  echo "service $ECS_SERVICE runs $1"
}

[ $# -ge 1 ] || die "usage: $0 register|current|migrate|deploy …"
action=$1
shift
case "$action" in
  register | current | migrate | deploy) "$action" "$@" ;;
  *) die "unknown action $action" ;;
esac
