// `baton keys create|list|revoke`: API keys (an admin key is needed).
import { CONNECTION_HELP, Exit, UsageError, clientFor, connectionFrom, expectPositionals, parseCommandArgs } from '../api/args.ts';
import { json, keysTable } from '../api/format.ts';
import { processIo, runApiCommand, type CommandIo } from '../api/report.ts';

export const USAGE = `usage: baton keys create NAME [--role admin|user] [--namespace N]
       baton keys list
       baton keys revoke ID

  --role R        admin (manages keys) or user (default)
  --namespace N   restrict the key to one namespace
The secret of a new key is printed once; store it then.

${CONNECTION_HELP}
`;

export async function run(args: string[], io: CommandIo = processIo): Promise<number> {
  return runApiCommand(USAGE, io, async () => {
    const { values, positionals } = parseCommandArgs(args, { role: { type: 'string' }, namespace: { type: 'string' } });
    if (values.help) {
      io.out(USAGE);
      return Exit.ok;
    }
    const connection = connectionFrom(values);
    const [sub, ...rest] = positionals;
    const client = clientFor(connection);
    const asJson = connection.output === 'json';
    switch (sub) {
      case 'create': {
        const [name = ''] = expectPositionals(rest, ['NAME']);
        const role = values.role ?? 'user';
        if (role !== 'admin' && role !== 'user') throw new UsageError(`--role must be admin or user, got "${role}"`);
        const key = await client.createKey({ name, role, namespace: values.namespace });
        const scope = key.namespace ? `namespace ${key.namespace}` : 'all namespaces';
        io.out(asJson ? json(key) : `created key ${key.id} "${key.name}" (${key.role}, ${scope})\nsecret (shown once): ${key.secret}\n`);
        return Exit.ok;
      }
      case 'list': {
        expectPositionals(rest, []);
        const keys = await client.listKeys();
        io.out(asJson ? json(keys) : keys.length === 0 ? 'no keys\n' : keysTable(keys));
        return Exit.ok;
      }
      case 'revoke': {
        const [id = ''] = expectPositionals(rest, ['ID']);
        await client.revokeKey(id);
        io.out(asJson ? json({ id, revoked: true }) : `revoked key ${id}\n`);
        return Exit.ok;
      }
      default:
        throw new UsageError(sub === undefined ? 'missing sub-command: create, list or revoke' : `unknown sub-command "${sub}": use create, list or revoke`);
    }
  });
}
