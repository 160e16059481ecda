/**
 * `node --import egresswatch/sdk/register`, kept for services that used the server package;
 * the same zero-code start as `--import @egresswatch/sdk/register`.
 */
import '@egresswatch/sdk/register';
