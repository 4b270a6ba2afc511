import { runOnRunner } from '@deploy-kit/shared';
import { remoteDeployAction } from './action';

void runOnRunner(remoteDeployAction);
