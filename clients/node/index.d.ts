// Types of the customer-sync Node client (protocol/openrpc.json is the full schema).

export type Side = "local" | "remote";
export type CustomerState = "unsynced" | "synced" | "conflict" | "excluded" | "deleted";
export type LinkState = "synced" | "conflict" | "deleted";
export type SyncField = "name" | "address" | "zip" | "city" | "country" | "email" | "phone" | "cvr" | "ean" | "contact";
export type Fields = Partial<Record<SyncField, string | null>>;

export interface Customer {
  id: string; side: Side; number: string | null;
  name: string | null; address: string | null; zip: string | null; city: string | null; country: string | null;
  email: string | null; phone: string | null; cvr: string | null; ean: string | null; contact: string | null;
  state: CustomerState; linkId: string | null; version: number; extra: Record<string, string>;
  /** Present only when a value breaks a rule of the local register (kept as the accounting system holds it). */
  warnings?: FieldWarning[];
}
export interface EconomicOverride { currency?: string; customerGroup?: number; paymentTerms?: number; vatZone?: number }
/** For customers in Denmark; eu and abroad override any value for customers elsewhere (VAT zone: e-conomic's 2 and 3). */
export interface EconomicDefaults { currency: string; customerGroup: number; paymentTerms: number; vatZone: number; eu?: EconomicOverride; abroad?: EconomicOverride }
export interface FieldWarning { field: SyncField; message: string }
export interface PullWarning { customerId: string; number: string; field: SyncField; message: string }
export interface Conflict { field: SyncField; base: string | null; local: string | null; remote: string | null }
export interface Link { id: string; state: LinkState; local: Customer | null; remote: Customer | null; conflicts: Conflict[]; version: number }
export interface Page<T> { items: T[]; nextCursor: string | null; total: number; totalEstimated?: true }
export interface RowError { line: number; field: string; message: string }
export interface ImportResult {
  added: number; updated: number; unchanged: number; deleted: number; rejected: RowError[]; warnings?: string[];
  /** A dry run's preview only. */
  dryRun?: true; columns?: { header: string; field: string | null }[];
  looksLike?: { side: Side; reason: "sameColumns" | "accountingColumns" | "operationsColumns" } | null;
  wouldDelete?: { id: string; number: string | null; name: string | null }[];
}
export interface SideCounts { unsynced: number; synced: number; conflict: number; excluded: number; deleted: number; total: number }
export interface Status { local: SideCounts; remote: SideCounts; links: { synced: number; conflict: number; deleted: number } }
export interface CreateAllResult {
  created: number; skipped: { customerId: string; reason: "InvalidNumber" | "NumberTaken" | "AlreadyLinked" | "Excluded" | "InvalidValue"; field?: SyncField; message?: string }[]; dryRun: boolean;
  /** With dryRun only: every partner it would create. */
  planned?: { customerId: string; sourceNumber: string | null; name: string | null; number: string }[];
}
export interface MatchReason { field: SyncField; verdict: "equal" | "similar" | "different"; level: string; similarity?: number; weight: number }
/** Other pairs of either customer that score 0.2 or more alone, and the bits they take from this one (<= 0). */
export interface Rivals { count: number; weight: number }
export interface Candidate { customer: Customer; score: number; reasons: MatchReason[]; rivals?: Rivals }
export interface Suggestion { localId: string; remoteId: string; score: number; reasons: MatchReason[]; rivals?: Rivals }
/** The model a pairing was scored with (scoring.md §3): which fit, and why any before it failed. */
export interface SuggestionModel { fit: "estimated" | "constrained" | "prior"; fallback: string | null; matchShare: number; placesShared: boolean }
export interface SuggestionPage extends Page<Suggestion> { model: SuggestionModel }
export interface AcceptResult { linked: number; synced: number; conflict: number; dryRun: boolean }
export interface HistoryEntry {
  at: string; operation: string; source: "user" | "import" | "sync";
  customerId: string | null; linkId: string | null; field: string | null; old: string | null; new: string | null;
}
export interface Progress { token: string; done: number; total: number }
/** `signal`: aborting it sends $/cancelRequest (a long request then rejects with RequestCancelled). */
export interface CallOptions { timeout?: number; signal?: AbortSignal }
export interface SpawnOptions { db?: string; binary?: string; framing?: "ndjson" | "content-length"; args?: string[]; timeout?: number }

export class CustomerSyncError extends Error { code: number; data: Record<string, any>; readonly path: string | undefined }
export class ProtocolError extends CustomerSyncError {}
export class ParseError extends ProtocolError {}
export class InvalidRequest extends ProtocolError {}
export class MessageTooLarge extends InvalidRequest {}
export class BatchTooLarge extends InvalidRequest {}
export class BatchReplyTooLarge extends InvalidRequest {}
export class ShutDown extends InvalidRequest {}
export class MethodNotFound extends ProtocolError {}
export class InvalidParams extends ProtocolError {}
export class InternalError extends ProtocolError {}
export class DomainError extends CustomerSyncError {}
/** The request was cancelled with $/cancelRequest (-32800). */
export class RequestCancelled extends ProtocolError {}
export class NotFound extends DomainError {}
export class AlreadyLinked extends DomainError {}
export class Excluded extends DomainError {}
export class NumberTaken extends DomainError {}
export class InvalidNumber extends DomainError {}
export class ImportRejected extends DomainError {}
export class StaleVersion extends DomainError {}
export class NotInConflict extends DomainError {}
export class WrongSide extends DomainError {}
export class Busy extends DomainError {}
/** A file could not be written (an export): data.path, data.errno (ENOSPC, EACCES, EISDIR…), data.reason. */
export class WriteFailed extends DomainError {}
export class NotConnected extends DomainError {}
export class Unauthorized extends DomainError {}
export class RemoteUnavailable extends DomainError {}
export class RemoteRejected extends DomainError {}
export class MassDelete extends DomainError {}
/** A JSON-RPC error object (errors.md): why an automatic round failed. */
export interface RoundError { code: number; message: string; data?: { kind: string; detail?: string; [key: string]: unknown } }
export interface AutoSyncStatus {
  everySeconds: number; fullEverySeconds: number; lastAt: string | null; nextAt: string | null; lastError: RoundError | null;
  failures: number; running: boolean; lastFullAt: string | null;
}
export interface ConnectionStatus { system: "e-conomic" | "dinero" | null; baseUrl: string | null; connected: boolean; lastPull: string | null; lastPush: string | null; queued: number; lastError: string | null; autoSync: AutoSyncStatus | null }
export interface PullResult { added: number; updated: number; unchanged: number; deleted: number; warnings: PullWarning[]; pages: number; full: boolean }
export interface PushResult { created: number; updated: number; unchanged: number; conflicts: number; failed: { customerId: string; message: string }[] }
/** After every automatic round: how it went, or why it failed. */
export interface RemoteSynced {
  at: string; nextAt?: string;
  pull?: PullResult; push?: PushResult; recovered?: { failures: number; since: string | null };
  error?: RoundError; failures?: number;
}
export class ServerCrashed extends CustomerSyncError {}
export class RequestTimeout extends CustomerSyncError {}
export function errorFromReply(error: { code: number; message: string; data?: any }): CustomerSyncError;
/** `binary`, else $CUSTOMER_SYNC_BIN, else the repository's newest build, else `customer-sync` on PATH. */
export function findBinary(binary?: string): string;

export class Transport {
  constructor(options?: SpawnOptions);
  readonly exit: Promise<number | null>;
  request(method: string, params?: object, options?: CallOptions): Promise<any>;
  notify(method: string, params?: object): void;
  onNotification(handler: (method: string, params: any) => void): void;
  stderrTail(): string;
  rawMode(): void;
  sendRaw(text: string): void;
  receiveRaw(timeout?: number): Promise<any>;
  close(options?: CallOptions): Promise<number | null>;
}

export class CustomerSync {
  constructor(transport: Transport, options?: { timeout?: number });
  static spawn(options?: SpawnOptions): CustomerSync;
  readonly transport: Transport;
  call(method: string, params?: object, options?: CallOptions): Promise<any>;
  close(options?: CallOptions): Promise<number | null>;
  [Symbol.asyncDispose](): Promise<void>;

  initialize(clientInfo?: { name?: string; version?: string }): Promise<{ serverInfo: { name: string; version: string }; protocolVersion: string; methods: string[] }>;
  ping(options?: CallOptions): Promise<{}>;
  discover(): Promise<object>;
  importCustomers(params: { side?: Side; path?: string; content?: string; data?: Uint8Array; format?: "csv" | "xlsx" | "ods"; sheet?: string; skipInvalid?: boolean; mode?: "merge" | "replace"; allowMassDelete?: boolean; dryRun?: boolean }, options?: CallOptions): Promise<ImportResult>;
  status(): Promise<Status>;
  listUnsynced(params?: { side?: Side; query?: string; limit?: number; cursor?: string }): Promise<Page<Customer>>;
  iterUnsynced(params?: { side?: Side; query?: string; pageSize?: number }): AsyncIterable<Customer>;
  /** Alias of iterUnsynced. */
  unsynced(params?: { side?: Side; query?: string; pageSize?: number }): AsyncIterable<Customer>;
  listLinks(params?: { state?: LinkState; query?: string; order?: "ascending" | "descending"; limit?: number; cursor?: string }): Promise<Page<Link>>;
  iterLinks(params?: { state?: LinkState; query?: string; pageSize?: number }): AsyncIterable<Link>;
  /** Alias of iterLinks. */
  links(params?: { state?: LinkState; pageSize?: number }): AsyncIterable<Link>;
  listExcluded(params?: { side?: Side; query?: string; order?: "ascending" | "descending"; limit?: number; cursor?: string }): Promise<Page<Customer>>;
  iterExcluded(params?: { side?: Side; query?: string; pageSize?: number }): AsyncIterable<Customer>;
  /** Alias of iterExcluded. */
  excluded(params?: { side?: Side; pageSize?: number }): AsyncIterable<Customer>;
  getCustomer(id: string): Promise<Customer>;
  getLink(linkId: string): Promise<Link>;
  createPartner(customerId: string, params?: { number?: string | number; fields?: Fields }): Promise<Link>;
  createAllPartners(params: { side: Side; numbering?: "keep" | "sequence"; start?: string | number; customerIds?: string[]; dryRun?: boolean; progress?: (p: Progress) => void }, options?: CallOptions): Promise<CreateAllResult>;
  selectPartner(localId: string, remoteId: string): Promise<Link>;
  resolveConflict(linkId: string, params?: { choices?: Partial<Record<SyncField, "local" | "remote">>; values?: Fields; expectedVersion?: number }): Promise<Link>;
  unlink(linkId: string, params?: { expectedVersion?: number }): Promise<{ local: Customer | null; remote: Customer | null }>;
  disableSync(customerId: string): Promise<Customer>;
  enableSync(customerId: string): Promise<Customer>;
  suggestPartners(customerId: string, params?: { limit?: number }): Promise<Candidate[]>;
  listSuggestions(params?: { minScore?: number; limit?: number; cursor?: string }): Promise<SuggestionPage>;
  iterSuggestions(params?: { minScore?: number; pageSize?: number }): AsyncIterable<Suggestion>;
  /** Alias of iterSuggestions. */
  suggestions(params?: { minScore?: number; pageSize?: number }): AsyncIterable<Suggestion>;
  acceptSuggestions(params: { minScore: number; dryRun?: boolean }): Promise<AcceptResult>;
  updateCustomer(id: string, fields: Fields, params?: { expectedVersion?: number }): Promise<Customer>;
  deleteCustomer(id: string, params?: { expectedVersion?: number }): Promise<{}>;
  resolveDeletion(linkId: string, action: "deletePartner" | "recreate" | "unlink", params?: { expectedVersion?: number }): Promise<Link | null>;
  connect(params: { appSecretToken: string; agreementGrantToken: string; defaults: EconomicDefaults; system?: "e-conomic"; baseUrl?: string; timeout?: number }
    | { system: "dinero"; clientId: string; clientSecret: string; apiKey: string; organizationId: string; authUrl?: string; requestsPerMinute?: number; baseUrl?: string; timeout?: number },
    options?: CallOptions): Promise<ConnectionStatus>;
  disconnect(): Promise<{}>;
  connectionStatus(): Promise<ConnectionStatus>;
  pullRemote(params?: { full?: boolean; allowMassDelete?: boolean; progress?: (p: Progress) => void }, options?: CallOptions): Promise<{ added: number; updated: number; unchanged: number; deleted: number; warnings: PullWarning[]; pages: number; full: boolean }>;
  pushRemote(params?: { progress?: (p: Progress) => void }, options?: CallOptions): Promise<{ created: number; updated: number; unchanged: number; conflicts: number; failed: { customerId: string; message: string }[] }>;
  syncRemote(params?: { full?: boolean; progress?: (p: Progress) => void }, options?: CallOptions): Promise<{ pull: PullResult; push: PushResult }>;
  setAutoSync(everySeconds: number | null, params?: { fullEverySeconds?: number }): Promise<ConnectionStatus>;
  onRemoteSynced(handler: (params: RemoteSynced) => void): () => void;
  nextRemoteSynced(options?: { timeout?: number }): Promise<RemoteSynced | null>;
  exportCustomers(params: { path: string; side?: Side; format?: "csv" | "xlsx"; onlyPending?: boolean }): Promise<{ written: number; path: string }>;
  history(params?: { customerId?: string; linkId?: string; limit?: number; cursor?: string }): Promise<Page<HistoryEntry>>;
  iterHistory(params?: { customerId?: string; linkId?: string; pageSize?: number }): AsyncIterable<HistoryEntry>;
  /** Alias of iterHistory. */
  historyEntries(params?: { customerId?: string; linkId?: string; pageSize?: number }): AsyncIterable<HistoryEntry>;
}
