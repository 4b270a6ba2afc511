import { runOnRunner } from '@deploy-kit/shared';
import { pipAuditAction } from './action';

void runOnRunner(pipAuditAction);
