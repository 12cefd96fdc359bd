/**
 * Server-side assignors of the consumer group protocol (KIP-848), by Kafka's names:
 *
 * - `uniform`: every partition of the subscribed topics to the least-loaded member subscribed to
 *   its topic, keeping a member's previous partitions first (sticky) while it is under its share
 *   (ceil(partitions / members)); ties go to the smaller member id.
 * - `range`: per topic, its subscribers sorted by member id get contiguous ranges, the first
 *   `partitions % subscribers` one partition more.
 *
 * Pure functions: subscriptions and topic sizes in, target assignment out. Bounded by the
 * partitions of the subscribed topics times the members.
 */

/** topic id → partitions */
export type Assignment = Map<string, Set<number>>;

export interface AssignorMember {
  readonly memberId: string;
  /** Topic ids the member subscribes to (existing topics only). */
  readonly topics: ReadonlySet<string>;
  /** The member's previous target assignment, for stickiness. */
  readonly previous: Assignment;
}

export interface AssignorTopic {
  readonly topicId: string;
  readonly partitionCount: number;
}

export type AssignorName = 'uniform' | 'range';
export const ASSIGNOR_NAMES: readonly AssignorName[] = ['uniform', 'range'];

export function assignmentSize(assignment: Assignment): number {
  let size = 0;
  for (const partitions of assignment.values()) size += partitions.size;
  return size;
}

function add(assignment: Assignment, topicId: string, partition: number): void {
  let partitions = assignment.get(topicId);
  if (partitions === undefined) {
    partitions = new Set();
    assignment.set(topicId, partitions);
  }
  partitions.add(partition);
}

export function assign(name: AssignorName, members: readonly AssignorMember[], topics: readonly AssignorTopic[]): Map<string, Assignment> {
  return name === 'range' ? rangeAssign(members, topics) : uniformAssign(members, topics);
}

function uniformAssign(members: readonly AssignorMember[], topics: readonly AssignorTopic[]): Map<string, Assignment> {
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const result = new Map<string, Assignment>(sorted.map((member) => [member.memberId, new Map()]));
  const load = new Map<string, number>(sorted.map((member) => [member.memberId, 0]));
  const subscribed = sorted.filter((member) => member.topics.size > 0);
  const sizes = new Map(topics.map((topic) => [topic.topicId, topic.partitionCount]));
  let total = 0;
  for (const topic of topics) if (subscribed.some((member) => member.topics.has(topic.topicId))) total += topic.partitionCount;
  const share = subscribed.length === 0 ? 0 : Math.ceil(total / subscribed.length);
  const taken = new Set<string>();
  // Sticky pass: members keep previous partitions up to their share.
  for (const member of subscribed) {
    for (const [topicId, partitions] of member.previous) {
      const count = sizes.get(topicId);
      if (count === undefined || !member.topics.has(topicId)) continue;
      for (const partition of [...partitions].sort((a, b) => a - b)) {
        const key = `${topicId}:${partition}`;
        if (partition >= count || taken.has(key) || load.get(member.memberId)! >= share) continue;
        taken.add(key);
        add(result.get(member.memberId)!, topicId, partition);
        load.set(member.memberId, load.get(member.memberId)! + 1);
      }
    }
  }
  for (const topic of topics) {
    const candidates = subscribed.filter((member) => member.topics.has(topic.topicId));
    if (candidates.length === 0) continue;
    for (let partition = 0; partition < topic.partitionCount; partition++) {
      const key = `${topic.topicId}:${partition}`;
      if (taken.has(key)) continue;
      let best = candidates[0]!;
      for (const candidate of candidates) if (load.get(candidate.memberId)! < load.get(best.memberId)!) best = candidate;
      taken.add(key);
      add(result.get(best.memberId)!, topic.topicId, partition);
      load.set(best.memberId, load.get(best.memberId)! + 1);
    }
  }
  return result;
}

function rangeAssign(members: readonly AssignorMember[], topics: readonly AssignorTopic[]): Map<string, Assignment> {
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const result = new Map<string, Assignment>(sorted.map((member) => [member.memberId, new Map()]));
  for (const topic of topics) {
    const subscribers = sorted.filter((member) => member.topics.has(topic.topicId));
    if (subscribers.length === 0) continue;
    const base = Math.floor(topic.partitionCount / subscribers.length);
    const extra = topic.partitionCount % subscribers.length;
    let next = 0;
    subscribers.forEach((member, index) => {
      const count = base + (index < extra ? 1 : 0);
      for (let partition = next; partition < next + count; partition++) add(result.get(member.memberId)!, topic.topicId, partition);
      next += count;
    });
  }
  return result;
}
