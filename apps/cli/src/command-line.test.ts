import { describe, expect, it } from 'vitest';
import { splitCommandLine } from './command-line.ts';

describe('splitCommandLine', () => {
  it('hands the global options given before the command to it, ahead of its own arguments', () => {
    expect(splitCommandLine(['--url', 'http://h:1', '--api-key', 'K', 'runs', 'list', '--all'])).toEqual({
      kind: 'command',
      name: 'runs',
      args: ['--url', 'http://h:1', '--api-key', 'K', 'list', '--all'],
    });
    expect(splitCommandLine(['-o', 'json', 'runs'])).toEqual({ kind: 'command', name: 'runs', args: ['-o', 'json'] });
    expect(splitCommandLine(['-ojson', '--url=http://h:1', 'cancel', 'R'])).toEqual({ kind: 'command', name: 'cancel', args: ['-ojson', '--url=http://h:1', 'R'] });
    expect(splitCommandLine(['runs', 'list', '--url', 'x'])).toEqual({ kind: 'command', name: 'runs', args: ['list', '--url', 'x'] });
    // A value that looks like a command is the option's value, not the command.
    expect(splitCommandLine(['--api-key', 'runs', 'keys', 'list'])).toEqual({ kind: 'command', name: 'keys', args: ['--api-key', 'runs', 'list'] });
    expect(splitCommandLine(['--url', 'u', '--', 'jq', '.'])).toEqual({ kind: 'command', name: 'jq', args: ['--url', 'u', '.'] });
  });

  it('answers help and version wherever they stand before the command', () => {
    expect(splitCommandLine(['--help'])).toEqual({ kind: 'help' });
    expect(splitCommandLine(['-h'])).toEqual({ kind: 'help' });
    expect(splitCommandLine(['help'])).toEqual({ kind: 'help' });
    expect(splitCommandLine(['--url', 'u', '--help'])).toEqual({ kind: 'help' });
    expect(splitCommandLine(['--version'])).toEqual({ kind: 'version' });
    expect(splitCommandLine(['-o', 'json', '-V', 'runs'])).toEqual({ kind: 'version' });
    // Help before a command is that command's help.
    expect(splitCommandLine(['--help', 'runs'])).toEqual({ kind: 'command', name: 'runs', args: ['--help'] });
  });

  it('refuses other options before the command, a missing value and a missing command', () => {
    expect(splitCommandLine(['--all', 'runs'])).toMatchObject({ kind: 'usage-error', message: expect.stringContaining("unknown option '--all' before the command") });
    expect(splitCommandLine(['--stream-url', 'ws://h', 'logs', 'R'])).toMatchObject({ kind: 'usage-error' });
    expect(splitCommandLine(['--url'])).toEqual({ kind: 'usage-error', message: "option '--url' needs a value" });
    expect(splitCommandLine(['--url', 'u'])).toEqual({ kind: 'usage-error', message: 'missing command' });
  });
});
