//! Clustering verified pairs into stories, without chaining.
//!
//! Union-find over verified pairs gives connected components, but a component can chain two
//! stories through one document that borrowed a few paragraphs from each. So each component is
//! split around anchors: the scan makes the group's original the anchor (see
//! [`crate::origin::pick_original`]), the cluster is the anchor plus every member that verifies
//! against it directly, and the rest is split again into components and processed the same way. Every member of a cluster is thus a
//! verified copy of (or the original behind) its anchor, never only of a neighbour's neighbour.

/// Union-find with path halving and union by size.
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    pub fn new(n: usize) -> Self {
        UnionFind { parent: (0..n as u32).collect(), size: vec![1; n] }
    }

    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = self.parent[x as usize];
        }
        x
    }

    pub fn union(&mut self, a: u32, b: u32) {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        if self.size[ra as usize] < self.size[rb as usize] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb as usize] = ra;
        self.size[ra as usize] += self.size[rb as usize];
    }
}

/// Connected components of two or more nodes among `nodes`, given edges between them. Members
/// are sorted; components are sorted by their first member.
pub fn components(nodes: &[u32], edges: &[(u32, u32)]) -> Vec<Vec<u32>> {
    let mut local: Vec<u32> = nodes.to_vec();
    local.sort_unstable();
    local.dedup();
    let index = |x: u32| local.binary_search(&x).ok();
    let mut uf = UnionFind::new(local.len());
    for &(a, b) in edges {
        if let (Some(i), Some(j)) = (index(a), index(b)) {
            uf.union(i as u32, j as u32);
        }
    }
    let mut by_root: Vec<(u32, u32)> = (0..local.len() as u32).map(|i| (uf.find(i), local[i as usize])).collect();
    by_root.sort_unstable();
    let mut out: Vec<Vec<u32>> = Vec::new();
    let mut i = 0;
    while i < by_root.len() {
        let mut j = i;
        while j < by_root.len() && by_root[j].0 == by_root[i].0 {
            j += 1;
        }
        if j - i > 1 {
            out.push(by_root[i..j].iter().map(|x| x.1).collect());
        }
        i = j;
    }
    out.sort_unstable_by_key(|c| c[0]);
    out
}

/// A weighted, verified link between two documents.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Link {
    pub a: u32,
    pub b: u32,
    pub weight: f64,
}

/// The member with the greatest total link weight (lowest id on ties): the anchor when nothing
/// better is known.
pub fn heaviest(members: &[u32], links: &[Link]) -> u32 {
    let mut weight = vec![0.0f64; members.len()];
    for l in links {
        for x in [l.a, l.b] {
            if let Ok(i) = members.binary_search(&x) {
                weight[i] += l.weight;
            }
        }
    }
    let mut best = 0;
    for i in 1..members.len() {
        if weight[i] > weight[best] + 1e-12 {
            best = i;
        }
    }
    members[best]
}

/// Splits one component into anchored clusters. `links` are the verified links among its members;
/// `anchor_of(members, links)` names the anchor of a group (the scan names its original);
/// `verify(a, b)` decides pairs that have no link yet (they were never candidates). Returns
/// clusters of two or more members, each with its anchor first.
pub fn anchored(
    component: &[u32],
    links: &[Link],
    anchor_of: &mut dyn FnMut(&[u32], &[Link]) -> u32,
    verify: &mut dyn FnMut(u32, u32) -> bool,
) -> Vec<Vec<u32>> {
    let mut out = Vec::new();
    let mut work = vec![(component.to_vec(), links.to_vec())];
    while let Some((members, local)) = work.pop() {
        if members.len() < 2 {
            continue;
        }
        let anchor = anchor_of(&members, &local);
        let mut neighbours: Vec<u32> = local
            .iter()
            .filter_map(|l| {
                if l.a == anchor {
                    Some(l.b)
                } else if l.b == anchor {
                    Some(l.a)
                } else {
                    None
                }
            })
            .collect();
        neighbours.sort_unstable();
        let linked = |x: u32| neighbours.binary_search(&x).is_ok();
        let mut cluster = vec![anchor];
        let mut rest = Vec::new();
        for &m in &members {
            if m == anchor {
                continue;
            }
            if linked(m) || verify(anchor, m) {
                cluster.push(m);
            } else {
                rest.push(m);
            }
        }
        if cluster.len() > 1 {
            out.push(cluster);
        }
        // The rest splits into components again, each taking its own links along (so the work
        // stays proportional to the links, however many times a component splits).
        let rest_edges: Vec<(u32, u32)> = local.iter().map(|l| (l.a, l.b)).collect();
        let parts = components(&rest, &rest_edges);
        let mut part_of: Vec<(u32, usize)> =
            parts.iter().enumerate().flat_map(|(p, ms)| ms.iter().map(move |&m| (m, p))).collect();
        part_of.sort_unstable();
        let find = |x: u32| part_of.binary_search_by_key(&x, |e| e.0).ok().map(|i| part_of[i].1);
        let mut part_links: Vec<Vec<Link>> = vec![Vec::new(); parts.len()];
        for l in local {
            if let (Some(p), Some(q)) = (find(l.a), find(l.b)) {
                if p == q {
                    part_links[p].push(l);
                }
            }
        }
        work.extend(parts.into_iter().zip(part_links));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_find_and_components() {
        let c = components(&[1, 2, 3, 4, 5, 9], &[(1, 2), (3, 4), (4, 5), (2, 1)]);
        assert_eq!(c, vec![vec![1, 2], vec![3, 4, 5]]);
        let mut uf = UnionFind::new(4);
        uf.union(0, 1);
        uf.union(2, 3);
        assert_eq!(uf.find(0), uf.find(1));
        assert_ne!(uf.find(1), uf.find(2));
        uf.union(1, 3);
        assert_eq!(uf.find(0), uf.find(2));
    }

    #[test]
    fn a_weak_bridge_does_not_merge_two_stories() {
        // Story A: 0 with copies 1, 2. Story B: 5 with copies 6, 7. Document 3 copies A but
        // borrowed a paragraph of B, so it links weakly to 5.
        let links = [
            Link { a: 0, b: 1, weight: 1.0 },
            Link { a: 0, b: 2, weight: 0.9 },
            Link { a: 1, b: 2, weight: 0.9 },
            Link { a: 0, b: 3, weight: 0.8 },
            Link { a: 3, b: 5, weight: 0.3 },
            Link { a: 5, b: 6, weight: 1.0 },
            Link { a: 5, b: 7, weight: 0.9 },
        ];
        let edges: Vec<(u32, u32)> = links.iter().map(|l| (l.a, l.b)).collect();
        let comps = components(&[0, 1, 2, 3, 5, 6, 7], &edges);
        assert_eq!(comps.len(), 1, "union-find alone chains them");
        let mut clusters = anchored(&comps[0], &links, &mut heaviest, &mut |_, _| false);
        for c in clusters.iter_mut() {
            c.sort_unstable();
        }
        clusters.sort();
        assert_eq!(clusters, vec![vec![0, 1, 2, 3], vec![5, 6, 7]]);
    }

    #[test]
    fn members_are_checked_against_the_anchor() {
        // A chain 0-1-2 where 2 does not verify against the anchor 1... unless verify says so.
        let links =
            [Link { a: 0, b: 1, weight: 1.0 }, Link { a: 1, b: 2, weight: 1.0 }, Link { a: 2, b: 3, weight: 0.5 }];
        let mut asked = Vec::new();
        let clusters = anchored(&[0, 1, 2, 3], &links, &mut heaviest, &mut |a, b| {
            asked.push((a, b));
            false
        });
        assert_eq!(clusters, vec![vec![1, 0, 2]]);
        assert_eq!(asked, vec![(1, 3)]);
    }

    #[test]
    fn the_chosen_anchor_leads_and_unverified_members_split_off() {
        // 0 is the original; 3 links only to 2, a spun relative, and does not verify against 0.
        let l = |a, b| Link { a, b, weight: 1.0 };
        let links = [l(0, 1), l(1, 2), l(0, 2), l(2, 3), l(2, 4), l(3, 4)];
        let mut first = |m: &[u32], _: &[Link]| m[0];
        let mut clusters = anchored(&[0, 1, 2, 3, 4], &links, &mut first, &mut |a, b| a == 0 && b != 3 && b != 4);
        clusters.sort();
        assert_eq!(clusters, vec![vec![0, 1, 2], vec![3, 4]]);
        // The heaviest member would have been 2, taking 3 and 4 with it.
        assert_eq!(heaviest(&[0, 1, 2, 3, 4], &links), 2);
    }
}
