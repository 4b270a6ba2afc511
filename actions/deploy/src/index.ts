import { runOnRunner } from '@deploy-kit/shared';
import { deployAction } from './action';

void runOnRunner(deployAction);
