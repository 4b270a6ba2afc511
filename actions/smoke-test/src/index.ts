import { runOnRunner } from '@deploy-kit/shared';
import { smokeTestAction } from './action';

void runOnRunner(smokeTestAction);
