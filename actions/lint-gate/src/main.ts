import { ToolError } from '@deploy-kit/shared';

/** Published as a stub so the interface is visible; it fails rather than pretend to work. */
export async function main(): Promise<void> {
  throw new ToolError(
    'deploy-kit lint-gate is not implemented yet; pin an earlier step or remove it from the workflow',
  );
}
