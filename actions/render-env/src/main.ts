import { ToolError } from '@deploy-kit/shared';

export async function main(): Promise<void> {
  throw new ToolError('deploy-kit render-env is not implemented yet');
}
