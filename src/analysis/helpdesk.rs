//! A lexicon of how people ask for help (开通/启用, 连不上/无法连接,
//! 多少钱/收费 …), the same for every help centre. Shipped in the binary
//! (`helpdesk.txt`, each group commented there); it names no product: words
//! for products come from the corpus being indexed ([`super::mining`]) or its
//! own `synonyms.txt`.

use super::synonyms::parse_synonyms;

/// The lexicon's text.
pub const HELPDESK_LEXICON: &str = include_str!("helpdesk.txt");

/// The lexicon's groups, as written.
pub fn groups() -> Vec<Vec<String>> {
    parse_synonyms(HELPDESK_LEXICON).0
}

/// The groups marked as saying how people ask (the `generic` tag of
/// [`super::synonyms::Synonyms::tagged`]).
pub fn tagged_groups() -> impl Iterator<Item = (Vec<String>, bool)> {
    groups().into_iter().map(|g| (g, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names of products and services, and the morphemes product names are
    /// made of in Chinese cloud and partner help centres.
    const PRODUCTS: &[&str] = &[
        "代金券",
        "考试券",
        "优惠券",
        "云服务器",
        "云主机",
        "云硬盘",
        "数据库",
        "负载均衡",
        "网关",
        "镜像",
        "安全组",
        "集群",
        "容器",
        "存储",
        "弹性",
        "公网ip",
        "虚拟私有云",
        "子网",
        "快照",
        "实例",
        "节点",
    ];
    const PRODUCT_MORPHEMES: &[char] = &['云', '券'];

    #[test]
    fn the_lexicon_parses_without_problems() {
        let (groups, problems) = parse_synonyms(HELPDESK_LEXICON);
        assert!(problems.is_empty(), "{problems:?}");
        assert!(groups.len() >= 50, "{} groups", groups.len());
    }

    #[test]
    fn no_group_names_a_product() {
        for group in groups() {
            for word in &group {
                assert!(
                    !word.chars().any(|c| c.is_ascii_alphabetic()),
                    "{word:?} in {group:?}: Latin words in help text are product names (EIP, ECS); \
                     they belong to mined or per-corpus vocabulary"
                );
                assert!(
                    !word.chars().any(|c| PRODUCT_MORPHEMES.contains(&c)),
                    "{word:?} in {group:?} looks like a product name"
                );
                assert!(
                    !PRODUCTS.iter().any(|p| word.contains(p)),
                    "{word:?} in {group:?} names a product or service"
                );
            }
        }
    }

    #[test]
    fn every_group_is_commented() {
        let mut commented = false;
        for line in HELPDESK_LEXICON.lines() {
            let line = line.trim();
            if line.starts_with('#') {
                commented = true;
            } else if line.is_empty() {
                commented = false;
            } else {
                assert!(commented, "group without a comment above it: {line}");
            }
        }
    }
}
