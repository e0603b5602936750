#include "shapes.h"
#include <iostream>
#include <typeinfo>
Shape::~Shape() {}
struct Circle : Shape { double r; Circle(double r) : r(r) {} std::string name() const override { return "circle"; } double area() const override { return 3.0 * r * r; } };
struct Square : Shape { double s; Square(double s) : s(s) {} std::string name() const override { return "square"; } double area() const override { return s * s; } };
Shape *make_circle(double r) { return new Circle(r); }
Shape *make_square(double s) { return new Square(s); }
bool is_circle(const Shape *p) { return dynamic_cast<const Circle *>(p) != nullptr; }
const std::type_info &circle_type() { return typeid(Circle); }
struct Registrar { Registrar() { std::cout << "shapes library constructed" << std::endl; } } registrar;
