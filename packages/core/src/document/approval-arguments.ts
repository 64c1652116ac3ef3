// The arguments of `call: approval:1.0.0@default`, checked at registration so that a misspelt
// member or an impossible quorum is reported with its JSON path instead of failing a run later.
// Any value may be a runtime expression (`${ … }`): those are checked again, evaluated, when the
// step starts (packages/engine/src/approval-rules.ts, the same rules).
import { parseDuration } from '../interpreter/duration.ts';
import { schemaPatternProblems } from '../jq/schema-regexp.ts';
import { isRuntimeExpression } from './expressions.ts';
import { isObject, pointer, type Problem } from './problem.ts';

const MEMBERS = ['title', 'description', 'approvers', 'quorum', 'form', 'timeout', 'onTimeout', 'escalation', 'notify', 'onReject'];
const LEVEL_MEMBERS = ['approvers', 'timeout', 'quorum'];
const ENUMS: Record<string, string[]> = { onTimeout: ['reject', 'approve', 'escalate'], onReject: ['fail', 'continue'] };

const dynamic = (value: unknown) => isRuntimeExpression(value);

function unknownMembers(holder: Record<string, unknown>, allowed: string[], path: string): Problem[] {
  return Object.keys(holder).filter((k) => !allowed.includes(k)).map((k) => ({ path: pointer(path, k), message: `unknown approval argument '${k}' (allowed: ${allowed.join(', ')})` }));
}

/** Approver lists: arrays of ids, emails or `group:<name>`; returns how many when known. */
function checkApprovers(value: unknown, path: string, problems: Problem[]): number | undefined {
  if (value === undefined) {
    problems.push({ path, message: 'approvers is required: a list of user ids, emails or group:<name>' });
    return undefined;
  }
  if (dynamic(value)) return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    problems.push({ path, message: 'approvers must be a non-empty list of user ids, emails or group:<name>' });
    return undefined;
  }
  value.forEach((item, i) => {
    if (dynamic(item)) return;
    if (typeof item !== 'string' || !/^\S{1,200}$/.test(item)) problems.push({ path: pointer(path, i), message: 'an approver is a user id, an email or group:<name>, without spaces' });
  });
  const literal = value.filter((v) => !dynamic(v));
  if (new Set(literal).size !== literal.length) problems.push({ path, message: 'approvers contain duplicates' });
  return value.some(dynamic) ? undefined : value.length;
}

function checkQuorum(value: unknown, approvers: number | undefined, path: string, problems: Problem[]): void {
  if (value === undefined || dynamic(value)) return;
  if (!Number.isInteger(value) || (value as number) < 1) problems.push({ path, message: 'quorum must be a positive integer' });
  else if (approvers !== undefined && (value as number) > approvers) problems.push({ path, message: `quorum ${String(value)} is larger than the ${approvers} approver(s): it could never be reached` });
}

function checkDuration(value: unknown, path: string, problems: Problem[]): void {
  if (value === undefined || dynamic(value)) return;
  try {
    parseDuration(value);
  } catch (error) {
    problems.push({ path, message: (error as Error).message });
  }
}

function checkNotify(value: unknown, path: string, problems: Problem[]): void {
  if (value === undefined || dynamic(value)) return;
  if (!Array.isArray(value)) return void problems.push({ path, message: 'notify must be a list of webhook URLs or {url, format}' });
  value.forEach((item, i) => {
    const at = pointer(path, i);
    if (typeof item === 'string') {
      if (!dynamic(item) && !URL.canParse(item)) problems.push({ path: at, message: 'must be an absolute URL' });
    } else if (isObject(item)) {
      problems.push(...unknownMembers(item, ['url', 'format'], at));
      if (item.url === undefined) problems.push({ path: pointer(at, 'url'), message: 'url is required' });
      else if (!dynamic(item.url) && (typeof item.url !== 'string' || !URL.canParse(item.url))) problems.push({ path: pointer(at, 'url'), message: 'must be an absolute URL or a ${ $secrets… } expression' });
      if (item.format !== undefined && !dynamic(item.format) && !['json', 'slack'].includes(item.format)) problems.push({ path: pointer(at, 'format'), message: 'must be one of: "json", "slack"' });
    } else {
      problems.push({ path: at, message: 'must be a URL or {url, format}' });
    }
  });
}

/** Problems of an approval step's `with:` (path: the task's pointer). */
export function checkApprovalArguments(task: Record<string, any>, path: string): Problem[] {
  const args = task.with;
  const at = pointer(path, 'with');
  if (args === undefined) return [{ path: at, message: 'an approval needs with: { approvers: [...] }' }];
  if (!isObject(args)) return [];
  const problems = unknownMembers(args, MEMBERS, at);
  const count = checkApprovers(args.approvers, pointer(at, 'approvers'), problems);
  checkQuorum(args.quorum, count, pointer(at, 'quorum'), problems);
  checkDuration(args.timeout, pointer(at, 'timeout'), problems);
  for (const [key, allowed] of Object.entries(ENUMS)) {
    const value = args[key];
    if (value !== undefined && !dynamic(value) && !allowed.includes(value)) problems.push({ path: pointer(at, key), message: `must be one of: ${allowed.map((v) => `"${v}"`).join(', ')}` });
  }
  for (const key of ['title', 'description']) {
    if (args[key] !== undefined && typeof args[key] !== 'string') problems.push({ path: pointer(at, key), message: 'must be a string' });
  }
  if (args.form !== undefined && !dynamic(args.form) && !isObject(args.form)) problems.push({ path: pointer(at, 'form'), message: 'must be a JSON Schema object' });
  // Form patterns run on a linear-time engine (RE2): one it cannot run is refused here, not when the approval opens.
  else if (isObject(args.form)) problems.push(...schemaPatternProblems(args.form, pointer(at, 'form')));
  if (args.escalation !== undefined && !dynamic(args.escalation)) {
    if (!Array.isArray(args.escalation)) problems.push({ path: pointer(at, 'escalation'), message: 'must be a list of {approvers, timeout?, quorum?}' });
    else {
      args.escalation.forEach((level: unknown, i: number) => {
        const lp = pointer(at, 'escalation', i);
        if (!isObject(level)) return void problems.push({ path: lp, message: 'must be {approvers, timeout?, quorum?}' });
        problems.push(...unknownMembers(level, LEVEL_MEMBERS, lp));
        const n = checkApprovers(level.approvers, pointer(lp, 'approvers'), problems);
        checkQuorum(level.quorum, n, pointer(lp, 'quorum'), problems);
        checkDuration(level.timeout, pointer(lp, 'timeout'), problems);
      });
    }
  }
  if (args.onTimeout === 'escalate' && (args.escalation === undefined || (Array.isArray(args.escalation) && args.escalation.length === 0))) {
    problems.push({ path: pointer(at, 'onTimeout'), message: 'onTimeout: escalate needs an escalation list' });
  }
  checkNotify(args.notify, pointer(at, 'notify'), problems);
  return problems;
}
