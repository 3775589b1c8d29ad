/**
 * Tools registered on the platform and their placements in courses (resource links).
 * Client and deployment ids follow each LMS's shapes; scopes follow each LMS's grant
 * rules (Moodle maps any AGS scope to its "grade sync" levels; Canvas keeps what the
 * developer key lists).
 */
import { AGS_SCOPES, ALL_SCOPES, SCOPE } from './constants.js';
import { canvasClientId, hex40, moodleClientId, Sequence, uuid } from './ids.js';
import type { Family, RegisteredTool, ResourceLink, ToolMessage } from './types.js';

/** What an administrator types when adding a tool by hand. */
export interface AddToolInput {
  loginUrl: string;
  redirectUris: string[];
  jwksUrl: string;
  /** Default launch URL; defaults to the first redirect URI. */
  targetLinkUri?: string;
  /** Enables Deep Linking with this URL as its target. */
  deepLinkUrl?: string;
  /** Forces the (first) deployment id instead of the platform's own numbering. */
  deploymentId?: string;
  /** Forces the client id (Moodle: normally minted in the registration token). */
  clientId?: string;
  name?: string;
  domain?: string;
  /** Requested scopes; default: every AGS and NRPS scope. */
  scopes?: string[];
  customParameters?: Record<string, string>;
  shareName?: boolean;
  shareEmail?: boolean;
  /** Canvas privacy level; default `public` for manual tools. */
  privacyLevel?: string;
  messages?: ToolMessage[];
  status?: RegisteredTool['status'];
  source?: RegisteredTool['source'];
}

/** What the platform grants for a set of requested scopes. */
export function grantedScopes(family: Family, requested: readonly string[]): string[] {
  if (family === 'canvas') return ALL_SCOPES.filter((s) => requested.includes(s));
  const out: string[] = [];
  // Moodle: any AGS scope turns on "grade sync" (read items, read results, post scores);
  // `lineitem` itself turns on column management.
  if (requested.some((s) => AGS_SCOPES.includes(s))) {
    out.push(SCOPE.lineItemReadOnly, SCOPE.resultReadOnly, SCOPE.score);
    if (requested.includes(SCOPE.lineItem)) out.push(SCOPE.lineItem);
  }
  if (requested.includes(SCOPE.nrps)) out.push(SCOPE.nrps);
  return out;
}

/** The platform's tool registrations and resource links. */
export class ToolRegistry {
  private readonly tools = new Map<string, RegisteredTool>();
  private readonly links = new Map<string, ResourceLink>();
  private readonly defaults = new Map<string, ResourceLink>();
  private readonly typeIds = new Sequence(1);
  private readonly installIds: Sequence;
  private readonly keySequence = new Sequence(68);
  private readonly linkIds = new Sequence(5);
  /** Canvas root account's opaque id (second half of deployment ids). */
  readonly accountGuid = hex40('root-account');

  constructor(readonly family: Family) {
    this.installIds = new Sequence(106);
  }

  /** Registers a tool; returns the record (first deployment in `deploymentIds[0]`). */
  add(input: AddToolInput): RegisteredTool {
    const typeId = this.typeIds.take();
    const clientId =
      input.clientId ??
      (this.family === 'moodle' ? moodleClientId() : canvasClientId(this.keySequence.take()));
    if (this.tools.has(clientId)) throw new Error(`client id ${clientId} already registered`);
    const shareName = input.shareName ?? true;
    const shareEmail = input.shareEmail ?? true;
    const messages = input.messages ?? [
      { type: 'LtiResourceLinkRequest', placements: ['link_selection'] },
      ...(input.deepLinkUrl
        ? [
            {
              type: 'LtiDeepLinkingRequest',
              targetLinkUri: input.deepLinkUrl,
              placements: ['link_selection'],
            },
          ]
        : []),
    ];
    const tool: RegisteredTool = {
      clientId,
      typeId,
      deploymentIds: [input.deploymentId ?? this.newDeploymentId(typeId)],
      name: input.name ?? 'Jalon',
      loginUrl: input.loginUrl,
      redirectUris: [...input.redirectUris],
      jwksUrl: input.jwksUrl,
      targetLinkUri: input.targetLinkUri ?? input.redirectUris[0] ?? input.loginUrl,
      ...(input.deepLinkUrl ? { deepLinkUrl: input.deepLinkUrl } : {}),
      ...(input.domain ? { domain: input.domain } : {}),
      scopes: grantedScopes(this.family, input.scopes ?? ALL_SCOPES),
      customParameters: input.customParameters ?? {},
      shareName,
      shareEmail,
      privacyLevel: input.privacyLevel ?? privacyFrom(shareName, shareEmail),
      messages,
      status: input.status ?? 'active',
      source: input.source ?? 'manual',
    };
    this.tools.set(clientId, tool);
    return tool;
  }

  /** A new deployment id of the LMS's shape. */
  private newDeploymentId(typeId: number): string {
    return this.family === 'moodle' ? String(typeId) : `${this.installIds.take()}:${this.accountGuid}`;
  }

  /** Adds another deployment of a tool (Canvas: a second install, e.g. in a sub-account). */
  addDeployment(clientId: string, deploymentId?: string): string {
    const tool = this.require(clientId);
    const id =
      deploymentId ??
      (this.family === 'moodle' ? String(this.typeIds.take()) : this.newDeploymentId(tool.typeId));
    tool.deploymentIds.push(id);
    return id;
  }

  /** The tool with this client id, if any. */
  get(clientId: string): RegisteredTool | undefined {
    return this.tools.get(clientId);
  }

  /** The tool with this client id (throws if unknown). */
  require(clientId: string): RegisteredTool {
    const tool = this.tools.get(clientId);
    if (!tool) throw new Error(`unknown client id ${clientId}`);
    return tool;
  }

  /** The tool whose Moodle type id this is. */
  byTypeId(typeId: number): RegisteredTool | undefined {
    return [...this.tools.values()].find((t) => t.typeId === typeId);
  }

  /** Every registered tool. */
  all(): RegisteredTool[] {
    return [...this.tools.values()];
  }

  /** Creates a resource link of a tool in a course. */
  addLink(input: Omit<ResourceLink, 'id' | 'description' | 'custom'> & Partial<ResourceLink>): ResourceLink {
    const id = input.id ?? (this.family === 'moodle' ? String(this.linkIds.take()) : uuid());
    const link: ResourceLink = { description: '', custom: {}, ...input, id };
    this.links.set(id, link);
    return link;
  }

  /** The resource link with this id, if any. */
  link(id: string): ResourceLink | undefined {
    return this.links.get(id);
  }

  /** The tool's default link in a course ("Jalon", ungraded), created on first use. */
  defaultLink(courseHandle: string, clientId: string): ResourceLink {
    const key = `${courseHandle}|${clientId}`;
    const existing = this.defaults.get(key);
    if (existing) return existing;
    const link = this.addLink({ courseHandle, clientId, title: this.require(clientId).name });
    this.defaults.set(key, link);
    return link;
  }
}

/** Canvas privacy level implied by what a tool may see. */
export function privacyFrom(shareName: boolean, shareEmail: boolean): string {
  if (shareName && shareEmail) return 'public';
  if (shareName) return 'name_only';
  if (shareEmail) return 'email_only';
  return 'anonymous';
}
