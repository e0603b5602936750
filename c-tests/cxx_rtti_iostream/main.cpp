#include "shapes.h"
#include <iostream>
#include <sstream>
#include <typeinfo>
#include <memory>
#include <vector>
#include <map>
bool is_circle(const Shape *p);
const std::type_info &circle_type();
struct Local : Shape { std::string name() const override { return "local"; } double area() const override { return 1; } };
int main() {
  std::vector<std::unique_ptr<Shape>> v;
  v.emplace_back(make_circle(2));
  v.emplace_back(make_square(3));
  v.emplace_back(new Local);
  std::map<std::string, double> areas;
  for (auto &s : v) {
    areas[s->name()] = s->area();
    std::cout << s->name() << " circle=" << is_circle(s.get()) << " same_type=" << (typeid(*s) == circle_type()) << std::endl;
  }
  for (auto &kv : areas) std::cout << kv.first << ": " << kv.second << "\n";
  std::ostringstream os; os << "stream " << 42 << ' ' << 2.5;
  std::cout << os.str() << std::endl;
  std::string line; std::cin >> line; std::cout << "read " << line << std::endl;
  return 0;
}
