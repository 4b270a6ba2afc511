import { runOnRunner } from '@deploy-kit/shared';
import { tagReleaseAction } from './action';

void runOnRunner(tagReleaseAction);
