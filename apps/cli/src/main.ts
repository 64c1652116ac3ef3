// Entry point of the `baton` command: one module per sub-command under ./commands, loaded on use
// so that `baton jq` does not pay for the HTTP client or the runtime.
import { readFileSync } from 'node:fs';
import { splitCommandLine } from './command-line.ts';

export type Command = (args: string[]) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Promise<{ run: Command }> }> = {
  jq: { summary: 'jq FILTER — run a jq filter over JSON values from stdin (one compact JSON line per result)', load: () => import('./commands/jq.ts') },
  start: { summary: 'start — run every service in one process (embedded PostgreSQL and queues unless DB_HOST / REDIS_URL are set)', load: () => import('./commands/start.ts') },
  apply: { summary: 'apply -f FILE|DIR… — register workflow documents with the API', load: () => import('./commands/apply.ts') },
  run: { summary: 'run NAMESPACE/NAME[@VERSION] [--input JSON] [--wait [DURATION] | --follow | --watch] — start a run (and wait for or follow it)', load: () => import('./commands/run.ts') },
  runs: { summary: 'runs get ID | runs list [--status S] [--all] — show runs', load: () => import('./commands/runs.ts') },
  cancel: { summary: 'cancel ID — ask for a run to be cancelled', load: () => import('./commands/cancel.ts') },
  rerun: { summary: 'rerun ID [--input JSON] [--latest] — start a new run of a run\'s workflow (same input unless given), linked to it', load: () => import('./commands/rerun.ts') },
  reset: { summary: 'reset ID --from POINTER|failed — start a new run that replays what a run did before a task and executes from it on', load: () => import('./commands/reset.ts') },
  suspend: { summary: 'suspend ID — ask for a run to be suspended: it starts nothing new until resumed', load: () => import('./commands/suspend.ts') },
  resume: { summary: 'resume ID — ask for a suspended run to go on', load: async () => ({ run: (await import('./commands/suspend.ts')).resume }) },
  logs: { summary: 'logs [-f] ID [--after SEQ] — print a run\'s events; -f follows them live (fanout WebSocket) until the run ends', load: () => import('./commands/logs.ts') },
  events: {
    summary: 'events ID [--after SEQ] [--follow] — print a run\'s events\n  events send --type T --source S [--data JSON] — publish a CloudEvent to the runs listening for it',
    load: () => import('./commands/events.ts'),
  },
  schedules: {
    summary: 'schedules list | get ID | pause ID | resume ID | trigger ID | runs ID — workflows started on a clock or by events',
    load: () => import('./commands/schedules.ts'),
  },
  'rate-limits': {
    summary: 'rate-limits list | get NS/NAME | set NS/NAME --requests N|--tokens N [--per second|minute] [--host H|--model M] | delete NS/NAME — limits tasks wait for',
    load: () => import('./commands/rate-limits.ts'),
  },
  approvals: { summary: 'approvals list [--status S] [--run ID] [--approver A] | approvals get ID — show the approvals runs wait for', load: () => import('./commands/approvals.ts') },
  approve: { summary: 'approve ID [--comment TEXT] [--approver A] [--data JSON] — approve on behalf of an approver', load: async () => ({ run: (await import('./commands/approvals.ts')).approve }) },
  reject: { summary: 'reject ID [--comment TEXT] [--approver A] — reject on behalf of an approver', load: async () => ({ run: (await import('./commands/approvals.ts')).reject }) },
  keys: { summary: 'keys create NAME | list | revoke ID — manage API keys (admin)', load: () => import('./commands/keys.ts') },
  validate: { summary: 'validate FILE... — validate Serverless Workflow documents and print their problems', load: () => import('./commands/validate.ts') },
};

function usage(): string {
  const lines = Object.entries(commands).map(([, c]) => `  ${c.summary}`);
  return `usage: baton [--url URL] [--api-key KEY] [-o human|json] <command> [args]
       baton --help | --version

commands:
${lines.join('\n')}

The connection options (--url, --api-key, -o) may come before or after the command;
\`baton <command> --help\` describes one command.
`;
}

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return `baton ${manifest.version}\n`;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0) {
    process.stdout.write(usage());
    return 2;
  }
  const line = splitCommandLine(argv);
  switch (line.kind) {
    case 'help':
      process.stdout.write(usage());
      return 0;
    case 'version':
      process.stdout.write(version());
      return 0;
    case 'usage-error':
      process.stderr.write(`baton: ${line.message}\n\n${usage()}`);
      return 2;
  }
  const command = commands[line.name];
  if (!command) {
    process.stderr.write(`baton: unknown command '${line.name}'\n\n${usage()}`);
    return 2;
  }
  const { run } = await command.load();
  return run(line.args);
}
