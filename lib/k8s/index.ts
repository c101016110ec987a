// Kubernetes plumbing shared by the controller and the speaker.
export { backoffDelay } from './backoff.ts';
export type { BackoffPolicy } from './backoff.ts';
export {
  apiFailureOf, isAlreadyExists, isConflict, isForbidden, isGone, isInvalid, isNotFound, statusCodeOf,
} from './errors.ts';
export type { ApiFailure } from './errors.ts';
export { EventQueue, EventRecorder } from './events.ts';
export type { EventQueueOptions, EventRecorderOptions, EventTarget, EventType } from './events.ts';
export { InformerSupervisor, objectKey } from './informer.ts';
export type { InformerEvent, InformerHandlers, InformerOptions, ObjectStore } from './informer.ts';
export { ConnectionPool } from './connections.ts';
export type { Connection, ConnectionPoolOptions } from './connections.ts';
export { checkApiReachable, clusterConfigOf, KubeConfigError, loadKubeConfig, SERVICE_ACCOUNT_DIR } from './kubeconfig.ts';
export type { ClusterConfig, ExecPlugin, KubeConfigSource, LoadKubeConfigOptions, Material, ServerVersion } from './kubeconfig.ts';
export { KubeApi } from './kube-api.ts';
export { LeaseElector } from './leader.ts';
export type { LeaseElectorOptions } from './leader.ts';
export { apiListWatch, withoutManagedFields } from './listwatch.ts';
export type { ApiListWatchOptions, ListResult, ListWatch, WatchEnd, WatchEvent, WatchEventType } from './listwatch.ts';
export { decodeList, ProtobufError, SERVICE_LIST, whole } from './protobuf.ts';
export type { DecodedList, ProtobufListKind } from './protobuf.ts';
export { PatchType } from './patch.ts';
export { ProxyError } from './proxy.ts';
export { corePath, customPath, namespacedPath } from './paths.ts';
export type { CustomResourceRef } from './paths.ts';
export { ApiRequestError, JsonClient } from './json-client.ts';
export { RequestPipeline } from './pipeline.ts';
export type { RequestPipelineOptions } from './pipeline.ts';
export type { JsonClientOptions, JsonRequestOptions, WatchStreamOptions } from './json-client.ts';
export { StatusWriter } from './status.ts';
export type { StatusObject, StatusTarget, UpdateOptions } from './status.ts';
export { Reconcile, WorkQueue } from './workqueue.ts';
export type { ReconcileResult, Reconciler, WorkQueueOptions } from './workqueue.ts';
