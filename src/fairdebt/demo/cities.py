"""Real Chinese cities for synthetic borrowers: centre coordinates, weights, district codes.

Coordinates are the city centres (WGS84, to 4 decimals). Weights are the resident populations of
the 7th national census (2020) in millions, rounded: they only set how often a city is drawn.
District codes are GB/T 2260 administrative division codes (行政区划代码) that existed under
the same code for every birth year 1960–2004, so a resident ID built on them passes
`stdnum.cn.ric` (which checks the code against the year of birth); a test proves it.
`spread_km` is the standard deviation of the address scatter around the centre.

Resident ID numbers carry the code of the place where the number was first issued, valid in
the year of birth; `id_prefixes` says which codes count as this city's (4 digits: every county
under that prefecture code; 6 digits: that one code), including codes the city had before a
reorganisation (Chongqing was part of Sichuan, 5102, until 1997; Dongguan was 442527 until 1985).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class City:
    name: str  # short name as people write it in a `city` column: 北京, 广州
    province: str  # prefix of a full address; empty for the municipalities
    full_name: str  # 北京市, 广州市
    lat: float
    lon: float
    weight: float
    districts: tuple[tuple[str, str], ...]  # (6-digit code, district name)
    timezone: str = "Asia/Shanghai"
    spread_km: float = 6.0
    id_prefixes: tuple[str, ...] = ()

    @property
    def id_code_prefixes(self) -> tuple[str, ...]:
        return self.id_prefixes or (self.districts[0][0][:4],)


CITIES: tuple[City, ...] = (
    City("上海", "", "上海市", 31.2304, 121.4737, 24.9,
         (("310101", "黄浦区"), ("310104", "徐汇区"), ("310105", "长宁区"), ("310107", "普陀区"),
          ("310109", "虹口区"), ("310110", "杨浦区")), spread_km=9.0,
         id_prefixes=("3101", "3102")),
    City("北京", "", "北京市", 39.9042, 116.4074, 21.9,
         (("110101", "东城区"), ("110102", "西城区"), ("110105", "朝阳区"), ("110106", "丰台区"),
          ("110107", "石景山区"), ("110108", "海淀区")), spread_km=9.0,
         id_prefixes=("1101", "1102")),
    City("重庆", "", "重庆市", 29.5630, 106.5516, 16.0,
         (("500103", "渝中区"), ("500105", "江北区"), ("500106", "沙坪坝区"),
          ("500107", "九龙坡区"), ("500108", "南岸区")), spread_km=7.0,
         id_prefixes=("5001", "5002", "5102")),
    City("成都", "四川省", "成都市", 30.5728, 104.0668, 20.9,
         (("510104", "锦江区"), ("510105", "青羊区"), ("510106", "金牛区"), ("510107", "武侯区"),
          ("510108", "成华区")), spread_km=7.0),
    City("广州", "广东省", "广州市", 23.1291, 113.2644, 18.7,
         (("440103", "荔湾区"), ("440104", "越秀区"), ("440105", "海珠区"), ("440106", "天河区"),
          ("440111", "白云区")), spread_km=8.0),
    City("深圳", "广东省", "深圳市", 22.5431, 114.0579, 17.6,
         (("440303", "罗湖区"), ("440304", "福田区"), ("440305", "南山区")), spread_km=8.0),
    City("天津", "", "天津市", 39.1252, 117.1904, 13.9,
         (("120101", "和平区"), ("120102", "河东区"), ("120103", "河西区"), ("120104", "南开区"),
          ("120105", "河北区"))),
    City("武汉", "湖北省", "武汉市", 30.5928, 114.3055, 12.3,
         (("420102", "江岸区"), ("420103", "江汉区"), ("420104", "硚口区"), ("420105", "汉阳区"),
          ("420106", "武昌区")), spread_km=7.0),
    City("西安", "陕西省", "西安市", 34.3416, 108.9398, 12.9,
         (("610102", "新城区"), ("610103", "碑林区"), ("610104", "莲湖区"))),
    City("杭州", "浙江省", "杭州市", 30.2741, 120.1551, 11.9,
         (("330106", "西湖区"),), spread_km=7.0),
    City("郑州", "河南省", "郑州市", 34.7466, 113.6254, 12.6,
         (("410102", "中原区"), ("410103", "二七区"), ("410105", "金水区"))),
    City("苏州", "江苏省", "苏州市", 31.2989, 120.5853, 12.7,
         (("320506", "吴中区"),)),
    City("东莞", "广东省", "东莞市", 23.0207, 113.7518, 10.5, (("441900", "东莞市"),),
         spread_km=10.0, id_prefixes=("4419", "442502", "442527")),
    City("长沙", "湖南省", "长沙市", 28.2282, 112.9388, 10.0,
         (("430102", "芙蓉区"), ("430103", "天心区"), ("430104", "岳麓区"), ("430105", "开福区"))),
    City("佛山", "广东省", "佛山市", 23.0215, 113.1214, 9.5, (("440604", "禅城区"),)),
    City("南京", "江苏省", "南京市", 32.0603, 118.7969, 9.3,
         (("320102", "玄武区"), ("320106", "鼓楼区"), ("320105", "建邺区"))),
    City("沈阳", "辽宁省", "沈阳市", 41.8057, 123.4315, 9.1,
         (("210102", "和平区"), ("210103", "沈河区"), ("210104", "大东区"), ("210105", "皇姑区"))),
    City("青岛", "山东省", "青岛市", 36.0671, 120.3826, 10.1,
         (("370202", "市南区"), ("370203", "市北区"), ("370212", "崂山区"))),
    City("济南", "山东省", "济南市", 36.6512, 117.1201, 9.2,
         (("370102", "历下区"), ("370103", "市中区"), ("370104", "槐荫区"), ("370105", "天桥区"))),
    City("哈尔滨", "黑龙江省", "哈尔滨市", 45.8038, 126.5349, 10.0,
         (("230102", "道里区"), ("230103", "南岗区"), ("230104", "道外区"))),
    City("合肥", "安徽省", "合肥市", 31.8206, 117.2272, 9.4,
         (("340102", "瑶海区"), ("340103", "庐阳区"), ("340104", "蜀山区"))),
    City("昆明", "云南省", "昆明市", 25.0389, 102.7183, 8.5,
         (("530102", "五华区"), ("530103", "盘龙区"), ("530111", "官渡区"), ("530112", "西山区"))),
    City("大连", "辽宁省", "大连市", 38.9140, 121.6147, 7.5,
         (("210202", "中山区"), ("210203", "西岗区"), ("210204", "沙河口区"))),
    City("宁波", "浙江省", "宁波市", 29.8683, 121.5440, 9.4, (("330205", "江北区"),)),
    City("福州", "福建省", "福州市", 26.0745, 119.2965, 8.3,
         (("350102", "鼓楼区"), ("350103", "台江区"), ("350104", "仓山区"))),
    City("厦门", "福建省", "厦门市", 24.4798, 118.0894, 5.2, (("350203", "思明区"),),
         spread_km=4.0),
    City("南宁", "广西壮族自治区", "南宁市", 22.8170, 108.3665, 8.7,
         (("450102", "兴宁区"), ("450103", "青秀区"), ("450105", "江南区"))),
    City("石家庄", "河北省", "石家庄市", 38.0428, 114.5149, 11.2,
         (("130102", "长安区"), ("130104", "桥西区"), ("130105", "新华区"))),
    City("长春", "吉林省", "长春市", 43.8171, 125.3235, 9.1,
         (("220102", "南关区"), ("220103", "宽城区"), ("220104", "朝阳区"), ("220105", "二道区"))),
    City("南昌", "江西省", "南昌市", 28.6820, 115.8579, 6.3,
         (("360102", "东湖区"), ("360103", "西湖区"), ("360104", "青云谱区"))),
    City("贵阳", "贵州省", "贵阳市", 26.6470, 106.6302, 6.0,
         (("520102", "南明区"), ("520103", "云岩区"))),
    City("太原", "山西省", "太原市", 37.8706, 112.5489, 5.3,
         (("140105", "小店区"), ("140106", "迎泽区"), ("140107", "杏花岭区"))),
    # Xinjiang keeps Beijing time officially, but much of daily life runs on Xinjiang time
    # (UTC+6): contact-hour rules must be read in the borrower's own zone, so some differ.
    City("乌鲁木齐", "新疆维吾尔自治区", "乌鲁木齐市", 43.8256, 87.6168, 4.1,
         (("650102", "天山区"), ("650103", "沙依巴克区")), timezone="Asia/Urumqi"),
)  # fmt: skip
