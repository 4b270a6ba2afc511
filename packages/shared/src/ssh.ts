/**
 * ssh2 client wrapper: strict host-key checking before authentication, one
 * connection per host with a bounded pool of channels, exec with exit status,
 * capped output and scripts on stdin, SFTP atomic upload.
 *
 * One module per concern; this file keeps the public names in one place
 * ('@deploy-kit/shared/ssh'). Pure helpers (fingerprints, known_hosts parsing
 * and matching, key normalisation) are exported for unit tests. The connection's
 * inner modules (ssh-target, ssh-handshake, ssh-connect, ssh-channel, ssh-upload)
 * are not listed here: ssh-connection re-exports the names callers need.
 */
export * from './ssh-hostkeys';
export * from './ssh-clientkeys';
export * from './ssh-exec';
export * from './ssh-connection';
