/**
 * A problem the operator must fix before the agent can run (bad flag, wrong CA hash, rejected token,
 * unreachable hub on first join). The CLI prints its message after "minato agent: " and exits 1.
 * Errors from the hub itself stay ApiErrors; this wraps them with the fix.
 */
export class AgentError extends Error {
  override readonly name = 'AgentError';
}

export function isAgentError(err: unknown): err is AgentError {
  return err instanceof Error && err.name === 'AgentError';
}
