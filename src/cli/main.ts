#!/usr/bin/env node
/** The `portcullis` command: dispatch only. Each command is a file in ./commands. */
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { UsageError, usageFailure, EXIT } from './args.js'
import { processIO } from './io.js'
import type { CliIO } from './io.js'
import { CHECK_USAGE, runCheck } from './commands/check.js'
import { EVAL_USAGE, runEval } from './commands/eval.js'
import { PLUGINS_USAGE, runPlugins } from './commands/plugins.js'
import { RELOAD_USAGE, runReload } from './commands/reload.js'
import { runServe, SERVE_USAGE } from './commands/serve.js'
import { runTests, TEST_USAGE } from './commands/test.js'

const COMMANDS: Record<string, { run: (args: string[], io: CliIO) => Promise<number>; usage: string; summary: string }> = {
  serve: { run: runServe, usage: SERVE_USAGE, summary: 'run the plugin for dockerd' },
  check: { run: runCheck, usage: CHECK_USAGE, summary: 'validate a policy set and print every error' },
  eval: { run: runEval, usage: EVAL_USAGE, summary: 'decide one request offline' },
  test: { run: runTests, usage: TEST_USAGE, summary: 'run the policy test suites (*.test.yaml)' },
  reload: { run: runReload, usage: RELOAD_USAGE, summary: 'make a running server reload its policies' },
  plugins: { run: runPlugins, usage: PLUGINS_USAGE, summary: 'find and activate plugins exactly as dockerd does' },
}

export const USAGE = `usage: portcullis <command> [flags]

commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`).join('\n')}

Run "portcullis <command> --help" for a command's flags.`

export async function runMain(argv: string[], io: CliIO): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined) return usageFailure(io, USAGE, 'no command given')
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`${USAGE}\n`)
    return EXIT.ok
  }
  const command = COMMANDS[name]
  if (!command) return usageFailure(io, USAGE, `unknown command ${JSON.stringify(name)}`)
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(`${command.usage}\n`)
    return EXIT.ok
  }
  try {
    return await command.run(args, io)
  } catch (e) {
    if (e instanceof UsageError) return usageFailure(io, command.usage, e.message)
    io.stderr(`portcullis: internal error (a bug; please report it):\n${(e as Error).stack ?? String(e)}\n`)
    return EXIT.failed
  }
}

function isEntryPoint(): boolean {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)
  } catch {
    return false
  }
}

if (isEntryPoint()) {
  runMain(process.argv.slice(2), processIO()).then((code) => { process.exitCode = code }, (e: unknown) => {
    process.stderr.write(`portcullis: ${(e as Error).stack ?? String(e)}\n`)
    process.exitCode = 1
  })
}
