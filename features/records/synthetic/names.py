"""Plausible Chinese names for generated people, enterprises, townships and villages."""

from __future__ import annotations

import numpy as np

# The most common surnames in Yunnan, roughly by frequency.
SURNAMES = list(
    "李王张刘杨陈赵黄周吴徐孙朱马胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
    "杜叶程苏魏吕丁任沈姚卢钟姜崔谭陆范汪廖石金贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙史"
    "陶黎贺顾毛郝龚邵万钱严"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红兰建国文斌志云海东波辉鹏飞"
    "春梅林琼燕婷雪丹宇浩凯俊荣光福贵德成学兴发祥昌"
)
TRADE = list(
    "鑫源恒达盛隆兴旺泰丰华宏瑞祥嘉信诚金鼎福顺通安宝利昌凯鸿远德润康佳汇聚美佳亿博创"
    "锦乾坤翔云滇珠江越州麒麟宣沾罗陆富会师"
)
SECTION_WORDS: dict[str, tuple[str, ...]] = {
    "A": ("农业开发", "种植", "养殖", "生态农业", "中药材种植"),
    "B": ("矿业", "煤业", "采矿"),
    "C": ("食品", "建材", "机械制造", "烟草配套", "化工", "服装"),
    "D": ("电力", "燃气", "供水"),
    "E": ("建筑工程", "建设工程", "市政工程", "装饰工程"),
    "F": ("商贸", "贸易", "百货", "农资", "五金建材经营部", "医药连锁"),
    "G": ("运输", "物流", "客运", "汽车运输"),
    "H": ("餐饮管理", "酒店", "饮食"),
    "I": ("科技", "信息技术", "网络科技"),
    "J": ("小额贷款", "融资担保"),
    "K": ("房地产开发", "置业", "物业服务"),
    "L": ("商务咨询", "劳务服务", "租赁", "广告"),
    "M": ("技术服务", "检测", "设计"),
    "N": ("环境工程", "园林绿化"),
    "O": ("家政服务", "汽车维修", "美容美发"),
    "P": ("教育咨询", "培训学校"),
    "Q": ("医疗", "诊所", "健康管理"),
    "R": ("文化传媒", "体育发展", "旅游开发"),
}
PLACE = list("河坝塘沟营村寨屯山岭箐坪冲湾子水石松竹花")
PLACE_PREFIX = list("大小上下东西南北新老中黑白红青龙马凤")


def person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """Names of ``n`` people (surname + one or two characters)."""
    sur = rng.choice(SURNAMES, n)
    g1 = rng.choice(GIVEN, n)
    g2 = rng.choice(GIVEN, n)
    two = rng.random(n) < 0.7
    return np.array(
        [s + a + (b if t else "") for s, a, b, t in zip(sur, g1, g2, two, strict=True)],
        dtype=object,
    )


def enterprise_names(
    rng: np.random.Generator, county_names: np.ndarray, sections: np.ndarray, coop: np.ndarray
) -> np.ndarray:
    """Registered names such as 曲靖市麒麟区鑫源商贸有限公司."""
    n = len(sections)
    t1, t2 = rng.choice(TRADE, n), rng.choice(TRADE, n)
    pick = rng.random(n)
    out = np.empty(n, dtype=object)
    for i in range(n):
        words = SECTION_WORDS[sections[i]]
        word = words[int(pick[i] * len(words))]
        if coop[i]:
            out[i] = f"{county_names[i]}{t1[i]}{t2[i]}{word}农民专业合作社"
        else:
            suffix = "有限公司" if pick[i] < 0.8 else "有限责任公司"
            out[i] = f"曲靖市{county_names[i]}{t1[i]}{t2[i]}{word}{suffix}"
    return out


def place_names(rng: np.random.Generator, n: int, suffixes: np.ndarray) -> np.ndarray:
    """Names of townships or villages with the given suffixes (镇, 乡, 街道, 村委会…)."""
    a, b = rng.choice(PLACE_PREFIX, n), rng.choice(PLACE, n)
    return np.array([x + y + s for x, y, s in zip(a, b, suffixes, strict=True)], dtype=object)
