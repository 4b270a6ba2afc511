import { ToolError } from '@deploy-kit/shared';

/** The one-step deploy (render-env -> remote-deploy -> smoke-test) is reserved; it fails rather than pretend to work. */
export async function main(): Promise<void> {
  throw new ToolError(
    'the one-step deploy-kit action is not implemented yet; use render-env, remote-deploy and smoke-test as separate steps',
  );
}
