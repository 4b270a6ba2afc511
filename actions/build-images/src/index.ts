import { runOnRunner } from '@deploy-kit/shared';
import { buildImagesAction } from './action';

void runOnRunner(buildImagesAction);
