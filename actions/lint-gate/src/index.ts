import { runOnRunner } from '@deploy-kit/shared';
import { lintGateAction } from './action';

void runOnRunner(lintGateAction);
