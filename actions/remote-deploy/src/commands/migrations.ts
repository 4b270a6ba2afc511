import { MARKER, type MigrationState, type PlannedMigration } from '../model/migrations';

/**
 * Django's migration plan and its reverse, as `manage.py shell -c` programs run in a one-off
 * container of a release's image (the image that has the migration files). Both print one
 * marker line of JSON; everything else they print is the log.
 */

/**
 * The plan: the applied state per app (the newest applied node of each app), the state after
 * `migrate` (every leaf), and each migration `migrate` would apply with the operations Django
 * cannot reverse (Operation.reversible is False: RunPython / RunSQL without a reverse, ...).
 */
export const DJANGO_PLAN = String.raw`
import json
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
ex = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
graph = ex.loader.graph
applied = set(ex.loader.applied_migrations)
def state(nodes):
    out = {}
    for app in sorted(ex.loader.migrated_apps):
        mine = [n for n in nodes if n[0] == app and n in graph.nodes]
        out[app] = max(mine, key=lambda n: len(graph.forwards_plan(n)))[1] if mine else "zero"
    return out
plan = [m for m, backwards in ex.migration_plan(graph.leaf_nodes()) if not backwards]
after = applied | {(m.app_label, m.name) for m in plan}
steps = [{"app": m.app_label, "name": m.name,
          "irreversible": [op.describe() for op in m.operations if not op.reversible]} for m in plan]
print("MARKER" + json.dumps({"before": state(applied), "after": state(after), "plan": steps}))
`.replace('MARKER', MARKER);

/** Migrate each app back to its target, in order, and say which migrations were unapplied. */
export const DJANGO_REVERSE = String.raw`
import json
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
targets = json.loads(TARGETS)
def applied():
    return set(MigrationExecutor(connections[DEFAULT_DB_ALIAS]).loader.applied_migrations)
before = applied()
for app, name in targets:
    call_command("migrate", app, name, interactive=False, verbosity=1)
gone = sorted("%s.%s" % n for n in before - applied())
print("MARKER" + json.dumps({"reversed": gone}))
`.replace('MARKER', MARKER);

/** `<manage> shell -c <plan program>`: the one-off command that prints the plan. */
export function djangoPlan(manage: readonly string[]): string[] {
  return [...manage, 'shell', '-c', DJANGO_PLAN];
}

/**
 * The apps to migrate back, in order: the app migrated last goes back first (its migrations
 * may depend on the others'), each to the state it had before.
 */
export function reverseOrder(plan: readonly PlannedMigration[], targets: MigrationState): [string, string][] {
  const order: string[] = [];
  for (const m of [...plan].reverse()) if (!order.includes(m.app)) order.push(m.app);
  for (const app of Object.keys(targets).sort()) if (!order.includes(app)) order.push(app);
  return order.filter((app) => app in targets).map((app) => [app, targets[app] as string]);
}

/** `<manage> shell -c <reverse program>` for these (app, target) pairs. */
export function djangoReverse(manage: readonly string[], targets: readonly [string, string][]): string[] {
  // JSON in a Python string literal: JSON's string escapes are Python's too.
  const literal = JSON.stringify(JSON.stringify(targets));
  return [...manage, 'shell', '-c', DJANGO_REVERSE.replace('TARGETS', literal)];
}
