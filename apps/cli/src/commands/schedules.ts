// `baton schedules list|get|pause|resume|trigger|runs`: the schedules of workflows (`schedule:` in
// their latest version) and the runs they started.
import type { Schedule } from '@baton/sdk';
import { CONNECTION_HELP, Exit, UsageError, clientFor, connectionFrom, expectPositionals, parseCommandArgs } from '../api/args.ts';
import { json, runsTable, shortTime, table } from '../api/format.ts';
import { PAGING_HELP, PAGING_OPTIONS, pageQuery, printListing } from '../api/listing.ts';
import { processIo, runApiCommand, type CommandIo } from '../api/report.ts';

export const USAGE = `usage: baton schedules list [--namespace N] [--name W] [--limit N] [--cursor C | --all]
       baton schedules get ID
       baton schedules pause ID | resume ID
       baton schedules trigger ID
       baton schedules runs ID [--limit N] [--cursor C | --all]

A workflow whose latest version has a \`schedule\` (every, cron, after or on) has one schedule;
registering a newer version moves it there. pause: no tick starts a run until resume (ticks of
the pause are not started). trigger: start a run now (its overlap policy applies).

${PAGING_HELP}

${CONNECTION_HELP}
`;

const OPTIONS = {
  namespace: { type: 'string' },
  name: { type: 'string' },
  ...PAGING_OPTIONS,
} as const;

/** What a schedule does, in a few words: "every PT1S", "cron 0 9 * * * (Europe/Paris)", "on one event". */
export function scheduleWhen(schedule: Schedule): string {
  const value = schedule.schedule[schedule.kind];
  if (schedule.kind === 'cron') return `cron ${String(value)}${schedule.timezone === 'UTC' ? '' : ` (${schedule.timezone})`}`;
  if (schedule.kind === 'on') {
    const on = (value ?? {}) as Record<string, unknown>;
    const mode = ['one', 'any', 'all'].find((m) => on[m] !== undefined) ?? '?';
    return `on ${mode} event${mode === 'one' ? '' : 's'}${on.until !== undefined ? ' until …' : ''}`;
  }
  return `${schedule.kind} ${typeof value === 'string' ? value : JSON.stringify(value)}`;
}

export function schedulesTable(schedules: Schedule[]): string {
  return table(
    ['ID', 'WORKFLOW', 'WHEN', 'STATE', 'NEXT TICK', 'LAST RUN', 'RUNS', 'SKIPPED'],
    schedules.map((s) => [s.id, `${s.namespace}/${s.name}@${s.version}`, scheduleWhen(s), s.state, s.nextTicks[0] ? shortTime(s.nextTicks[0]) : '-', s.lastRunId ?? '-', String(s.ticks), String(s.skipped)]),
  );
}

export function scheduleDetails(s: Schedule): string {
  const lines = [
    `schedule   ${s.id}`,
    `workflow   ${s.namespace}/${s.name}@${s.version}`,
    `when       ${scheduleWhen(s)}`,
    `state      ${s.state}`,
    ...(s.kind === 'every' || s.kind === 'cron' ? [`overlap    ${s.overlap}`, `catch-up   ${s.catchUp} (window ${String(s.catchUpWindow)}, at most ${String(s.catchUpLimit)})`] : []),
    `next ticks ${s.nextTicks.length > 0 ? s.nextTicks.join(', ') : '-'}`,
    `last tick  ${s.lastTickAt ?? '-'}`,
    `last run   ${s.lastRunId ?? '-'}`,
    `runs       ${s.ticks} started, ${s.skipped} ticks skipped`,
    ...(s.consuming !== undefined ? [`consuming  ${s.consuming} event(s) toward the next run`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

export async function run(args: string[], io: CommandIo = processIo): Promise<number> {
  return runApiCommand(USAGE, io, async () => {
    const { values, positionals } = parseCommandArgs(args, OPTIONS);
    const [sub, ...rest] = positionals;
    if (values.help) {
      io.out(USAGE);
      return Exit.ok;
    }
    const connection = connectionFrom(values);
    const client = clientFor(connection);
    const show = (schedule: Schedule) => io.out(connection.output === 'json' ? json(schedule) : scheduleDetails(schedule));
    switch (sub) {
      case 'list': {
        expectPositionals(rest, []);
        const query = { ...pageQuery(values), ...(values.namespace !== undefined && { namespace: values.namespace }), ...(values.name !== undefined && { name: values.name }) };
        return printListing({ page: () => client.listSchedules(query), every: () => client.iterateSchedules(query), table: schedulesTable, noun: 'schedules' }, values.all === true, connection, io);
      }
      case 'get': {
        const [id = ''] = expectPositionals(rest, ['ID']);
        show(await client.getSchedule(id));
        return Exit.ok;
      }
      case 'pause':
      case 'resume': {
        const [id = ''] = expectPositionals(rest, ['ID']);
        const schedule = await client.setSchedulePaused(id, sub === 'pause');
        if (connection.output === 'json') show(schedule);
        else io.out(sub === 'pause' ? `schedule ${id} paused\n` : `schedule ${id} resumed; next tick ${schedule.nextTicks[0] ?? '-'}\n`);
        return Exit.ok;
      }
      case 'trigger': {
        const [id = ''] = expectPositionals(rest, ['ID']);
        const result = await client.triggerSchedule(id);
        if (connection.output === 'json') io.out(json(result));
        else io.out(result.runId ? `started run ${result.runId}\n` : `no run started: a run of the schedule still goes and its overlap policy is ${result.schedule.overlap}\n`);
        return Exit.ok;
      }
      case 'runs': {
        const [id = ''] = expectPositionals(rest, ['ID']);
        const query = { ...pageQuery(values), scheduleId: id };
        return printListing({ page: () => client.listRuns(query), every: () => client.iterateRuns(query), table: (runs) => runsTable(runs, Date.now()), noun: 'runs' }, values.all === true, connection, io);
      }
      default:
        throw new UsageError(sub === undefined ? 'missing sub-command: list, get, pause, resume, trigger or runs' : `unknown sub-command "${sub}": use list, get, pause, resume, trigger or runs`);
    }
  });
}
