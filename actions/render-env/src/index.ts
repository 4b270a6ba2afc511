import { runOnRunner } from '@deploy-kit/shared';
import { renderEnvAction } from './action';

void runOnRunner(renderEnvAction);
